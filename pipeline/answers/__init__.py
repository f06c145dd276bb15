"""Answers without SQL: the queries behind `newsclaims claims | speakers | sources | search | export`.

Read-only over the marts; cli.py only parses arguments and prints.
"""
