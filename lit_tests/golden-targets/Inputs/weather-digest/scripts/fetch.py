"""Print the forecast of $WEATHER_CITY as JSON."""

import json
import os

import requests

key = os.environ["WEATHER_API_KEY"]
city = os.environ["WEATHER_CITY"]
reply = requests.get("https://api.example.com/forecast", params={"q": city, "key": key}, timeout=30)
print(json.dumps(reply.json(), indent=2))
