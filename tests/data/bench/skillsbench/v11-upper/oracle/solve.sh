#!/bin/bash
tr a-z A-Z < /app/words.txt > /app/upper.txt
