"""The cue lexicon: which words report speech, thought, intention or stance, and how.

Data only (like spacy/lang/en/stop_words.py): the constructions in constructions.py read these
lists. Lemmas are lower-case.
"""

from __future__ import annotations

#: Verbs that report speech, writing, thought or stance with a clause ("said that ...").
REPORTING_VERBS = frozenset(
    """
    say tell state claim insist reject deny warn stress argue note announce explain add emphasize
    emphasise assert suggest indicate believe think report confirm acknowledge admit allege contend
    maintain declare predict promise vow pledge urge accuse complain concede reply respond answer
    write testify recall reveal disclose signal express mention remark observe comment describe
    characterize agree estimate expect fear hope worry caution question dismiss counter demand ask
    tweet post charge recommend propose conclude find show reiterate repeat underline highlight
    point clarify brief inform assure threaten forecast welcome condemn criticize criticise praise
    blame doubt guess feel know learn hear understand consider recognize recognise order instruct
    advise call decide read remember remind wonder joke boast imply speculate hint convince
    determine rule notice realize realise prove acknowledge retort quip muse scoff snap shout yell
    chant whisper email text testify vote suspect assume presume figure bet swear pray wish
""".split()
)

#: Cues whose direct object is itself the reported content ("rejected claims that ...",
#: "called the plan a failure", "denied it"). Chosen by how often the object is attributed content.
OBJECT_CUES = frozenset(
    """
    reject deny express announce confirm acknowledge dismiss reveal predict demand signal admit
    welcome condemn criticize criticise praise dispute question rule blame call describe endorse
    accuse cite defend mention oppose discuss state praise attack recall propose denounce issue view
    repeat identify highlight tout mock fear remind recognize list echo slam prefer portray favor
    emphasize emphasise reiterate lament disclose deem decry voice reference quote applaud outline
    credit label invoke detail congratulate assail hail blast lambaste ridicule deride characterize
    dub brand nickname thank support seek offer release note report show explain claim answer
    promise urge order want remember understand propose request recommend advocate unveil pledge vow
""".split()
)

#: Verbs of intention, desire, request or refusal whose "to ..." complement is the content.
INTENTION_CUES = frozenset(
    """
    want plan hope expect promise vow pledge refuse decline seek urge threaten intend agree decide
    propose prefer encourage persuade order request vote like press demand recommend ask tell call
    warn push beg plead wish say claim support advise instruct
""".split()
)

#: Cue verbs whose content is the object of a preposition ("referring to X", "called for X").
PREP_CUES = {
    "refer": ("to",),
    "talk": ("about",),
    "speak": ("about", "of"),
    "call": ("for",),
    "push": ("for",),
    "advocate": ("for",),
    "argue": ("for", "against"),
    "rail": ("against",),
    "boast": ("about", "of"),
    "complain": ("about", "of"),
    "worry": ("about",),
    "warn": ("of", "about", "against"),
    "ask": ("about",),
    "comment": ("on",),
    "agree": ("with", "on"),
    "apologize": ("for",),
    "apologise": ("for",),
    "vote": ("for", "against"),
    "lobby": ("for", "against"),
    "campaign": ("for", "against", "on"),
    "speculate": ("about", "on"),
    "joke": ("about",),
    "write": ("about",),
    "think": ("about", "of"),
    "know": ("about", "of"),
    "hear": ("about", "of"),
    "insist": ("on",),
    "testify": ("about", "on"),
    "brag": ("about",),
    "muse": ("about",),
    "lash": ("out",),
    "weigh": ("in",),
    "point": ("to",),
    "object": ("to",),
    "hint": ("at",),
    "plead": ("for",),
    "pray": ("for",),
    "wonder": ("about",),
    "care": ("about",),
    "dream": ("of",),
}

#: Cues that need a particle to report ("point out", "call on").
PARTICLE_CUES = {"point": ("out", "to"), "lash": ("out",), "weigh": ("in",)}

#: Lemmas the model sometimes gets wrong, by the lower-cased word.
LEMMA_FIXES = {"hopes": "hope", "hoped": "hope", "hoping": "hope", "hope": "hope"}

#: Relative and interrogative words that stand for content elsewhere ("which the probe said ...").
WH_WORDS = frozenset("which that what who whom whose whatever".split())

#: Line starts that look like "Name:" but never name a speaker (a regular expression, matched
#: case-insensitively against the whole name).
NOT_SPEAKER_LINES = (
    r"^(read also|read more|see also|related|source|sources|via|photo|photos|image|video|watch|note|"
    r"editor'?s? note|update|updated|correction|disclosure|q|a|question|answer|by|tags?|filed under|"
    r"click here|share|advertisement|follow|contact|email|tel|phone|fax|date|time|where|when|what|"
    r"why|how|who|subject|re|cc|to|from|posted|published|the bottom line|bottom line|here's why|"
    r"more|also|first|second|third|plus|bonus|full text|transcript|summary|background|context|"
    r"breaking|breaking news|exclusive|live|analysis|opinion|poll|polls|update \d+|part \d+)$"
)

#: The stance a cue takes toward its content, by lemma; any other cue `asserts`. Some lemmas take
#: a stance only in some constructions (see stance.py): "called for a ban" demands, "called the
#: plan a failure" asserts.
STANCE_CUES: dict[str, str] = {
    **dict.fromkeys("deny reject dismiss refute rebut disavow disclaim repudiate contradict".split(), "denies"),
    **dict.fromkeys("warn caution threaten alert".split(), "warns"),
    **dict.fromkeys("demand urge request appeal press beg plead order instruct command".split(), "demands"),
    **dict.fromkeys("promise vow pledge guarantee assure swear commit".split(), "promises"),
    **dict.fromkeys(
        "accuse blame charge allege condemn criticize criticise denounce slam blast assail "
        "lambaste decry attack".split(),
        "accuses",
    ),
    **dict.fromkeys("doubt question challenge dispute wonder".split(), "doubts"),
    **dict.fromkeys("predict forecast expect estimate anticipate project foresee".split(), "predicts"),
    **dict.fromkeys(
        "believe think hope feel suppose suspect assume presume guess fear wish consider reckon figure bet".split(),
        "believes",
    ),
}

#: Cues that demand only when they introduce an infinitive or "for"/"on" ("called for a ban",
#: "asked them to leave", "told him to go"); "called the plan a failure", "told us that" assert.
DEMAND_WHEN_DIRECTED = frozenset("call ask tell".split())

#: Nouns naming a proposition: a cue whose object is one ("rejected claims that X") takes the
#: proposition (that X) as its content.
PROPOSITION_NOUNS = frozenset(
    """
    claim claims allegation allegations accusation accusations report reports suggestion suggestions
    rumour rumours rumor rumors assertion assertions notion idea charge charges speculation assumption
    contention insinuation
""".split()
)
