#!/usr/bin/env python3
"""A client that breaks one rule of the control protocol, for tests.

  rogue_client.py ignore-work   sleeps as told but skips every span's Work
  rogue_client.py wrong-count   does everything, then reports half its spans
  rogue_client.py liar          does everything, then reports a million spans in -1 s
"""
import json
import os
import sys
import time
import urllib.request

mode = sys.argv[1]
url = os.environ.get("SPANBENCH_CONTROL_URL", "http://127.0.0.1:8024/control")
c = json.load(urllib.request.urlopen(url, timeout=10))
if c.get("Exit"):
    sys.exit(0)
work = 0 if mode == "ignore-work" else int(c["Work"])
debt = 0
for _ in range(int(c["Repeat"])):
    x = 1.0
    for _ in range(work):
        x *= 1.000000001
    debt += int(c["Sleep"])
    if debt > int(c["SleepInterval"]):
        debt -= int(c["SleepInterval"])
        time.sleep(int(c["SleepInterval"]) / 1e9)
sent = int(c["Repeat"]) // 2 if mode == "wrong-count" else int(c["Repeat"])
report = {"SpansSent": sent}
if mode == "liar":
    report = {"SpansSent": 1000000, "LoopSeconds": -1}
req = urllib.request.Request(url.rsplit("/", 1)[0] + "/result",
                             data=json.dumps(report).encode(), method="POST")
urllib.request.urlopen(req, timeout=10)
