#!/usr/bin/env python3
"""Writes demo/registry.csv, the sample subscriber registry `lefi-intake demo`
imports: every organisation an example mail terminates (its number, its name,
the domains it writes from), less a few left out on purpose so that the demo
shows `unknown_subscriber`, and one insurance company. The example mails were
written by several hands, some reusing one valid number for several
organisations; the first mail's organisation is the registered one.

Run from the repository root:  python3 demo/registry.py
"""
import csv
import email
import email.policy
import glob
import json
import os
import sys

sys.dont_write_bytecode = True

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Subscribers the demo leaves out of the registry: their mails go to an officer as unknown_subscriber.
LEFT_OUT = {"212000-1876", "212000-0605", "232100-0073"}
# An insurance company that subscribes under its agreement (kind insurer).
INSURER = ("502017-3083", "Trygg Pension Försäkringsaktiebolag", "tryggpension.se")


def main():
    subscribers = {}
    for expected in sorted(glob.glob(os.path.join(ROOT, "fixtures", "**", "accept", "*.json"), recursive=True)):
        with open(expected, encoding="utf-8") as f:
            e = json.load(f)
        with open(expected[:-5] + ".eml", "rb") as f:
            mail = email.message_from_binary_file(f, policy=email.policy.default)
        sender = email.utils.parseaddr(str(mail.get("From", "")))[1]
        domain = sender.rsplit("@", 1)[-1].lower() if "@" in sender else None
        number, name = e["org_number"], e["org_name"]
        if number in LEFT_OUT or domain is None:
            continue
        # The first mail names the subscriber; a later one under the same name may add a
        # domain. Example mails that reuse a number for another organisation stay as they
        # are: the demo shows them as name or domain mismatches.
        s = subscribers.setdefault(number, {"name": name, "other_names": [], "domains": []})
        if name == s["name"] and domain not in s["domains"]:
            s["domains"].append(domain)
    path = os.path.join(ROOT, "demo", "registry.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["org_number", "name", "domains", "kind", "status", "other_names"])
        for number in sorted(subscribers):
            s = subscribers[number]
            w.writerow([number, s["name"], " ".join(s["domains"]), "authority", "active", "|".join(s["other_names"])])
        w.writerow([INSURER[0], INSURER[1], INSURER[2], "insurer", "active", ""])
    print("wrote %s: %d subscribers" % (os.path.relpath(path, ROOT), len(subscribers) + 1))


if __name__ == "__main__":
    main()
