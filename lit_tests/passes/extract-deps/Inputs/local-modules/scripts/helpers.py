"""Shared helpers for the skill."""
import json

import requests


def load(url):
    return requests.get(url).json()
