#!/bin/sh
pandoc in.md -o out.pdf
