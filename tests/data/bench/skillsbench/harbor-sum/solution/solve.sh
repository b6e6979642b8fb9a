#!/bin/bash
echo 42 > /root/sum.txt
