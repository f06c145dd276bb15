"""A generated hostile input folder: real-looking articles (written here, none from ../shared) beside
every kind of file that used to fail, stall or garble a run (issue 8)."""

from __future__ import annotations

import os
from pathlib import Path

#: A marker that makes the extractor raise on the one document holding it (see pipeline/faults.py).
POISON = "POISON-7f3a"

ARTICLES = {
    "politics/budget.txt": (
        "Finance minister defends budget\n\n"
        "LONDON (Reuters) - Finance Minister Helen Carter said on Wednesday that the new budget would "
        "“protect families and keep the books balanced”. Opposition leader Mark Reyes rejected claims "
        "that the plan would cut taxes for most workers, according to the BBC.\n"
        "“This budget is a gamble with people’s savings,” Reyes told reporters outside parliament.\n"
    ),
    "politics/border.txt": (
        "Talks on border crossings to resume\n\n"
        "VILNIUS - Lithuanian officials said on Monday that talks with Poland on two border crossings "
        "would resume next week. The interior ministry warned that queues of lorries could grow before "
        "the holidays. Deputy minister Jonas Petraitis promised that extra staff would be sent.\n"
    ),
    "business/profits.txt": (
        "Acme Motors reports rise in profit\n\n"
        "Acme Motors reported a 12% rise in quarterly profit on Thursday, helped by strong sales of "
        "its electric vans. Chief executive Laura Chen said demand in Europe remained “robust”, while "
        "analysts at Fulton Bank warned that prices for batteries were rising.\n"
    ),
    "sport/final.txt": (
        "Rovers reach the cup final\n\n"
        "Rovers beat City 2-1 on Saturday to reach the cup final. Manager Tom Hughes said his players "
        "had “shown real character” and insisted that the team would not change its style.\n"
    ),
    "tech/privacy.txt": (
        "Regulator questions app's data practices\n\n"
        "The data protection regulator said on Tuesday it had opened an inquiry into how the messaging "
        "app stores location data. A spokesperson for the company denied that any user data had been "
        "sold, the Guardian reported.\n"
    ),
}


def long_article(min_chars: int = 1_050_000) -> str:
    """Over spaCy's 1,000,000-character limit (and under the 5 MB file limit): a long report of
    numbered paragraphs, so its sentences differ, each with a list of long case references (few
    tokens for many characters, so the test stays quick)."""
    paragraphs, n, size = [], 0, 0
    while size < min_chars:
        n += 1
        refs = " ".join(f"REF-{n:05d}-{k:02d}-{'abcdefghij'[k % 10] * 70}" for k in range(12))
        p = (
            f"Section {n}. Chairman Peter Novak said on day {n} that hearing number {n} had heard from "
            f"{n % 17 + 2} witnesses. “We have read {n * 3} documents so far,” Novak told reporters.\n"
            f"Exhibits: {refs}\n\n"
        )
        paragraphs.append(p)
        size += len(p)
    return "Inquiry report, full transcript\n\n" + "".join(paragraphs)


ENGLISH = (
    "The government said on Tuesday that new rules on freedom of information would come into force "
    "in January, and officials insisted that the change was not a delay."
)

#: path → expected rejection reason
HOSTILE_REJECTIONS = {
    "links/loop a.txt": "unreadable",
    "links/loop b.txt": "unreadable",
    "links/self.txt": "unreadable",
    "bad/empty.txt": "empty",
    "bad/controls.txt": "binary",
}


def build_hostile_folder(root: Path) -> Path:
    inp = root / "hostile"
    for rel, text in ARTICLES.items():
        (inp / rel).parent.mkdir(parents=True, exist_ok=True)
        (inp / rel).write_text(text, encoding="utf-8")
    for sub in ("links", "bad", "names", "damaged", "legacy", "long"):
        (inp / sub).mkdir(parents=True, exist_ok=True)
    # 1. link loops and a link to itself
    os.symlink("loop b.txt", inp / "links" / "loop a.txt")
    os.symlink("loop a.txt", inp / "links" / "loop b.txt")
    os.symlink("self.txt", inp / "links" / "self.txt")
    os.symlink("../politics/budget.txt", inp / "links" / "budget again.txt")  # a good link inside
    # 2. over a million characters
    (inp / "long" / "inquiry transcript.txt").write_text(long_article(), encoding="utf-8")
    # 3. two names that used to escape alike
    with open(os.fsencode(inp / "names") + b"/caf\xe9.txt", "wb") as f:
        f.write(("Caf\u00e9 owners protest\n\n" + ENGLISH + " The owners said rents had doubled.\n").encode("utf-8"))
    (inp / "names" / "caf\\xe9.txt").write_text(
        "Second café story\n\n" + ENGLISH + " Nobody agreed.\n", encoding="utf-8"
    )
    # 4. mostly-valid UTF-8
    budget = ARTICLES["politics/budget.txt"].encode("utf-8")
    (inp / "damaged" / "cut last byte.txt").write_bytes((budget.decode() + "He left.”").encode("utf-8")[:-1])
    border = ARTICLES["politics/border.txt"].replace("Monday", "Friday").encode("utf-8")
    cut = border.index(b"The interior")
    (inp / "damaged" / "stray byte.txt").write_bytes(
        "“Border talks” update\n\n".encode("utf-8") + border[:cut] + b"\xff" + border[cut:]
    )
    # 5. legacy code pages: an English article with one Russian sentence
    russian = ' Мэр сказал: "Добро пожаловать в Минск". '  # KOI8-R has no guillemets
    (inp / "legacy" / "koi8.txt").write_bytes(
        ("Mayor greets visitors\n\n" + ENGLISH + russian + ENGLISH).encode("koi8_r")
    )
    (inp / "legacy" / "cp1251.txt").write_bytes(("Visitors arrive\n\n" + ENGLISH + russian).encode("cp1251"))
    (inp / "legacy" / "polish.txt").write_bytes(
        ("Wałęsa in Łódź\n\n" + ENGLISH + " Lech Wałęsa spoke in Łódź.\n").encode("cp1250")
    )
    # an exception inside the extractor on one document
    (inp / "politics" / "poisoned.txt").write_text(
        f"Poisoned article {POISON}\n\nThe mayor said that the bridge would reopen in May.\n", encoding="utf-8"
    )
    # bad files of older kinds, beside the new ones
    (inp / "bad" / "empty.txt").write_bytes(b"")
    (inp / "bad" / "controls.txt").write_bytes(b"\x01\x02\x03\x04 text \x05\x06\x07\x08" * 20)
    return inp


def expected_paths(inp: Path) -> set[str]:
    """What every file under the folder is stored as (the walk newsclaims does, by its own rules)."""
    from pipeline.ingest.files import stored_path, walk_input

    return {stored_path(p.relative_to(inp).as_posix()) for p in walk_input(inp)}
