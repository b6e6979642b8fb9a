#!/bin/bash
uvx --with pytest pytest /tests/test_outputs.py -rA
