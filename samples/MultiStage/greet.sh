#!/bin/sh
echo "$GREETING, $(whoami)"
