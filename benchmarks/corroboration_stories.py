"""Invented news stories for benchmarks/claim_clusters.py (and nothing else): several outlets report
the same statement of the same speaker in their own words, beside distractors (the same speaker
saying something else; the same wording from another speaker). Every person, place and outlet is
made up; no sentence comes from any data set.

Each article is a headline and paragraphs; a paragraph is (label, text): the label names the
statement it reports (a claim extracted from that paragraph belongs to that statement's cluster),
None for a paragraph whose claims are nobody's corroboration (a headline is labelled as its own
statement, which its syndicated copies repeat). `copy_of` makes an article a
syndicated copy of another (its text with a new headline and a footer).
"""

from __future__ import annotations

STORIES: list[dict] = [
    {
        "name": "tax",
        "articles": [
            {
                "outlet": "valdoria_herald",
                "headline": "Finance minister rules out income tax rise",
                "paragraphs": [
                    (
                        "tax.no_rise",
                        (
                            "Finance Minister Marta Lindqvist said on Monday that income tax would not rise "
                            "before the next election."
                        ),
                    ),
                    (
                        "tax.railway",
                        ("Lindqvist also said that the state railway company would be sold within two years."),
                    ),
                    (
                        None,
                        ("The budget will be presented to parliament in the second week of March, officials said."),
                    ),
                    (
                        "tax.moroz_rise",
                        (
                            "Opposition leader Pavel Moroz said that income tax would rise after the election "
                            "whoever won it."
                        ),
                    ),
                ],
            },
            {
                "outlet": "capital_times",
                "headline": "No tax increase before polls, Lindqvist promises",
                "paragraphs": [
                    (
                        "tax.no_rise",
                        (
                            "“There will be no increase in income tax before voters go to the polls,” Marta "
                            "Lindqvist told reporters in the capital."
                        ),
                    ),
                    (None, "Economists at the central bank expect growth of about two percent this year."),
                    (
                        "tax.pensions",
                        ("Ms Lindqvist said that pensions would be raised in line with prices from January."),
                    ),
                ],
            },
            {
                "outlet": "morning_post",
                "headline": "Minister: tax bills frozen until election",
                "paragraphs": [
                    (
                        "tax.no_rise",
                        (
                            "Income tax rates will stay where they are until the election, according to "
                            "Finance Minister Marta Lindqvist."
                        ),
                    ),
                    (
                        "tax.railway",
                        (
                            "Marta Lindqvist told the newspaper that the government planned to sell the state "
                            "railway company by the end of next year."
                        ),
                    ),
                    ("tax.moroz_never", "Pavel Moroz said the minister's promises could not be trusted."),
                ],
            },
            {"outlet": "river_gazette", "copy_of": "valdoria_herald"},
        ],
    },
    {
        "name": "nurses",
        "articles": [
            {
                "outlet": "health_weekly",
                "headline": "Hospitals warn of nursing shortfall",
                "paragraphs": [
                    (
                        "nurses.shortage",
                        (
                            "Dr Amara Okafor, who chairs the Association of Regional Hospitals, warned that "
                            "hospitals would be short of four thousand nurses by next winter."
                        ),
                    ),
                    (
                        "nurses.wards",
                        (
                            "Okafor said that some wards had already closed at weekends because there was "
                            "nobody to staff them."
                        ),
                    ),
                    (None, "The health ministry did not respond to a request for comment."),
                ],
            },
            {
                "outlet": "capital_times",
                "headline": "Nurse numbers falling, hospital chief says",
                "paragraphs": [
                    (
                        "nurses.shortage",
                        (
                            "Hospitals face a gap of around 4,000 nursing staff by the coming winter, Amara "
                            "Okafor said on Wednesday."
                        ),
                    ),
                    (
                        "nurses.pay",
                        ("Dr Okafor said that pay for newly qualified nurses should rise by ten percent."),
                    ),
                    (
                        "nurses.ministry",
                        (
                            "A spokesman for the health ministry, Jan Brodsky, said that hospitals would be "
                            "short of four thousand nurses only if nothing was done."
                        ),
                    ),
                ],
            },
            {
                "outlet": "evening_star",
                "headline": "Winter staffing crisis looms for hospitals",
                "paragraphs": [
                    (
                        "nurses.shortage",
                        (
                            "“By next winter we will be missing four thousand nurses,” Amara Okafor told a "
                            "conference of hospital managers."
                        ),
                    ),
                    (
                        "nurses.wards",
                        (
                            "Amara Okafor said that several wards were being closed on Saturdays and Sundays "
                            "for lack of staff."
                        ),
                    ),
                ],
            },
        ],
    },
    {
        "name": "coach",
        "articles": [
            {
                "outlet": "sports_daily",
                "headline": "Salgado refuses to quit after cup defeat",
                "paragraphs": [
                    (
                        "coach.stay",
                        (
                            "Kestrel Rovers manager Rui Salgado said that he would not resign after "
                            "Saturday's cup defeat."
                        ),
                    ),
                    (
                        "coach.injury",
                        (
                            "Salgado said that the captain, Teodor Vasko, would miss the next three matches "
                            "with a knee injury."
                        ),
                    ),
                    (None, "Rovers have lost four of their last five games in all competitions."),
                ],
            },
            {
                "outlet": "evening_star",
                "headline": "Rovers boss stays put",
                "paragraphs": [
                    (
                        "coach.stay",
                        ("“I am not walking away from this club,” Rui Salgado told reporters after the cup exit."),
                    ),
                    (
                        "coach.vasko",
                        ("Teodor Vasko said that he would not resign as captain after the defeat."),
                    ),
                ],
            },
            {
                "outlet": "valdoria_herald",
                "headline": "Salgado: I will stay on as Rovers manager",
                "paragraphs": [
                    (
                        "coach.stay",
                        ("Rui Salgado insisted he had no intention of stepping down as manager of Kestrel Rovers."),
                    ),
                    (
                        "coach.injury",
                        ("Salgado said Vasko's knee injury would keep the captain out for three games."),
                    ),
                    (
                        "coach.transfer",
                        ("Rui Salgado said that the club would sign two new defenders in January."),
                    ),
                ],
            },
            {"outlet": "northern_news", "copy_of": "sports_daily"},
        ],
    },
    {
        "name": "factory",
        "articles": [
            {
                "outlet": "business_journal",
                "headline": "Carmaker to build battery plant in Kestrel Bay",
                "paragraphs": [
                    (
                        "factory.plant",
                        (
                            "Jonas Weber, chief executive of Weber Motors, said that the company would build "
                            "a battery factory in Kestrel Bay employing 800 people."
                        ),
                    ),
                    ("factory.date", "Weber said that production would start in the spring of 2028."),
                    (None, "Shares in the company rose three percent in early trading."),
                ],
            },
            {
                "outlet": "morning_post",
                "headline": "800 jobs as Weber Motors picks Kestrel Bay",
                "paragraphs": [
                    (
                        "factory.plant",
                        (
                            "Weber Motors will open a battery plant in Kestrel Bay that will create 800 jobs, "
                            "its boss Jonas Weber announced."
                        ),
                    ),
                    (
                        "factory.mayor",
                        (
                            "The mayor of Kestrel Bay, Lena Horvath, said that the factory would employ 800 "
                            "people from the town."
                        ),
                    ),
                    (
                        "factory.subsidy",
                        ("Jonas Weber said the company had not asked the government for any subsidy."),
                    ),
                ],
            },
            {
                "outlet": "capital_times",
                "headline": "Battery factory for Kestrel Bay",
                "paragraphs": [
                    (
                        "factory.plant",
                        (
                            "“We are going to build our new battery factory in Kestrel Bay, and it will give "
                            "work to eight hundred people,” Jonas Weber told shareholders."
                        ),
                    ),
                    (
                        "factory.date",
                        ("Jonas Weber said the first batteries would come off the line in spring 2028."),
                    ),
                ],
            },
        ],
    },
    {
        "name": "crime",
        "articles": [
            {
                "outlet": "northern_news",
                "headline": "Recorded crime down, police say",
                "paragraphs": [
                    (
                        "crime.fall",
                        (
                            "Police commissioner Helen Achterberg said that recorded crime in the region had "
                            "fallen by twelve percent last year."
                        ),
                    ),
                    (
                        "crime.burglary",
                        ("Achterberg said that burglaries had risen in the city centre despite the overall fall."),
                    ),
                    (None, "The figures will be published in full next week."),
                ],
            },
            {
                "outlet": "evening_star",
                "headline": "Twelve percent fall in crime",
                "paragraphs": [
                    (
                        "crime.fall",
                        (
                            "Crime across the region dropped by 12% over the past year, according to "
                            "Commissioner Helen Achterberg."
                        ),
                    ),
                    (
                        "crime.officers",
                        ("Helen Achterberg said that two hundred new officers would be hired this year."),
                    ),
                    (
                        "crime.critic",
                        (
                            "Councillor Bruno Feld said that recorded crime had fallen only because fewer "
                            "people bothered to report it."
                        ),
                    ),
                ],
            },
            {
                "outlet": "valdoria_herald",
                "headline": "Police chief hails drop in crime",
                "paragraphs": [
                    (
                        "crime.fall",
                        (
                            "“We have seen crime come down by twelve percent in a year,” Helen Achterberg "
                            "told the regional council."
                        ),
                    ),
                    (
                        "crime.burglary",
                        ("Helen Achterberg said that there had been more burglaries in the city centre."),
                    ),
                ],
            },
        ],
    },
    {
        "name": "bridge",
        "articles": [
            {
                "outlet": "river_gazette",
                "headline": "Old bridge to close for repairs",
                "paragraphs": [
                    (
                        "bridge.close",
                        (
                            "Transport Minister Oskar Nyberg said that the Old Town Bridge would close for "
                            "eighteen months from May for repairs."
                        ),
                    ),
                    (
                        "bridge.ferry",
                        ("Nyberg said that a free ferry would run across the river while the bridge was closed."),
                    ),
                    (None, "The bridge carries about thirty thousand vehicles a day."),
                ],
            },
            {
                "outlet": "morning_post",
                "headline": "Bridge shut for a year and a half",
                "paragraphs": [
                    (
                        "bridge.close",
                        (
                            "The Old Town Bridge will be shut for a year and a half starting in May so that "
                            "it can be repaired, Oskar Nyberg announced."
                        ),
                    ),
                    (
                        "bridge.cost",
                        ("Oskar Nyberg said that the repairs would cost about ninety million crowns."),
                    ),
                ],
            },
            {
                "outlet": "northern_news",
                "headline": "Nyberg confirms bridge closure",
                "paragraphs": [
                    (
                        "bridge.close",
                        (
                            "“The Old Town Bridge will close in May and stay closed for eighteen months,” "
                            "Oskar Nyberg told the city council."
                        ),
                    ),
                    (
                        "bridge.ferry",
                        ("Oskar Nyberg said that ferries would carry passengers free of charge during the closure."),
                    ),
                    (
                        "bridge.mayor",
                        ("Mayor Lena Horvath said that the Old Town Bridge would close for eighteen months from May."),
                    ),
                ],
            },
            {"outlet": "capital_times", "copy_of": "river_gazette"},
        ],
    },
]

FOOTER = "This report was first published by {outlet} and is republished under a content-sharing agreement."


def articles() -> list[dict]:
    """Every article as {story, outlet, text, spans: [(start, end, label)]} (spans index the text)."""
    out = []
    for story in STORIES:
        by_outlet = {a["outlet"]: a for a in story["articles"] if "copy_of" not in a}
        for a in story["articles"]:
            src = by_outlet[a.get("copy_of", a["outlet"])]
            headline = src["headline"] if "copy_of" not in a else f"{src['headline']} (wire copy)"
            paragraphs = list(src["paragraphs"])
            if "copy_of" in a:
                paragraphs.append((None, FOOTER.format(outlet=src["outlet"].replace("_", " ").title())))
            # a claim read in a headline is the same claim in the headline's syndicated copies
            text, spans = headline + "\n\n", [(0, len(headline), f"headline.{src['outlet']}")]
            for label, para in paragraphs:
                start = len(text)
                text += para + "\n\n"
                spans.append((start, start + len(para), label))
            out.append({"story": story["name"], "outlet": a["outlet"], "text": text, "spans": spans})
    return out
