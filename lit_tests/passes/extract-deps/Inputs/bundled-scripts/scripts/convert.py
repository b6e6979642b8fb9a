#!/usr/bin/env python3
import os
import sys

import fitz

key = os.environ["CONVERT_KEY"]
