"""Syndicated copies and claim clusters on the seeds (the session warehouse). The end-to-end case (a
story, its copies from three outlets, a second run that adds one) is tests/whole/test_feeds.py."""

from __future__ import annotations


def test_the_three_seed_articles_are_three_stories(query):
    # three different BelTA articles: no copies among them, each its own story
    assert query("select count(*), count(distinct syndication_group_id) from dim_documents") == [(3, 3)]
    assert query("select count(*), max(document_count) from fct_syndication_groups") == [(3, 1)]
    assert query("select count(*) from dim_documents where syndication_group_id <> document_id") == [(0,)]
