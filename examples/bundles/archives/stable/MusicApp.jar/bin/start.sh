#!/bin/sh
# Starts MusicApp; arrives executable because the archive records its mode.
exec echo "MusicApp would start here"
