import pandas as pd
import pytest

from geo.categories import OTHER, CategoryTable, normalize_label, read_categories


@pytest.fixture(scope="module")
def table() -> CategoryTable:
    return read_categories()


def test_bundled_table_has_the_design_categories(table: CategoryTable) -> None:
    assert table.codes == [
        "illegal_structure", "parking", "litter", "clutter", "street_vending", "posters",
        "flying_cables", "road_damage", "bare_soil", "waterlogging", "other",
    ]
    assert table.name("illegal_structure") == "私搭乱建"
    assert table.name("parking", lang="en") == "Disorderly parking"
    assert table.limit_days("street_vending") == 1.0
    assert table.limit_days("no-such-code") == table.limit_days(OTHER) == 7.0
    assert table.table.at["illegal_structure", "national_code"] == "06001"


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("违章搭建", "illegal_structure"),
        ("乱停 乱放", "parking"),  # inner space from hand typing
        ("共享单车乱停放", "parking"),
        ("  卫生死角 ", "litter"),
        ("楼道堆物", "clutter"),
        ("Street vending", "street_vending"),  # the English name is a synonym too
        ("ＰＡＲＫＩＮＧ", "parking"),  # full-width letters fold to the code
        ("飞线充电", "flying_cables"),
        # Common 数字城管 and 12345 labels, and the LA / NYC 311 types of ../shared/data.
        ("乱涂乱画", "posters"), ("乱倒垃圾", "litter"), ("占道堆物", "clutter"), ("违规广告", "posters"),
        ("道路积水", "waterlogging"), ("違章搭建", "illegal_structure"),  # traditional characters fold
        ("Graffiti Removal", "posters"), ("Bulky Items", "clutter"), ("Illegal Dumping Pickup", "litter"),
        ("Illegal Parking", "parking"), ("Blocked Driveway", "parking"), ("Dirty Conditions", "litter"),
    ],
)
def test_labels_map_through_synonyms(table: CategoryTable, label: str, code: str) -> None:
    assert table.match(label) == code


def test_unknown_labels_become_other_and_are_counted(table: CategoryTable) -> None:
    labels = pd.Series(["私搭乱建", "噪音扰民", "噪音扰民", None, "违建"])
    assert list(table.map_labels(labels)) == ["illegal_structure", "other", "other", "other", "illegal_structure"]
    unmatched = table.unmatched(labels.dropna())
    assert unmatched.to_dict() == {"噪音扰民": 2}


def test_user_synonyms_extend_the_table(table: CategoryTable) -> None:
    extended = table.with_synonyms({"Noise - Residential": "other", "Homeless Encampment": "clutter"})
    assert extended.match("homeless encampment") == "clutter"
    assert table.match("homeless encampment") is None  # the original is unchanged
    with pytest.raises(ValueError, match="unknown category codes"):
        table.with_synonyms({"x": "no_such_code"})


def test_a_label_cannot_belong_to_two_categories(table: CategoryTable) -> None:
    frame = table.table.copy()
    frame.at["litter", "synonyms"] = (*frame.at["litter", "synonyms"], "违建")
    with pytest.raises(ValueError, match="synonym of both"):
        CategoryTable(frame)


def test_normalize_label() -> None:
    assert normalize_label(" 乱停　乱放 ") == "乱停乱放"  # ideographic space too
    assert normalize_label(None) == ""
    assert normalize_label(float("nan")) == ""


@pytest.mark.parametrize(("label", "expected"), [
    ("Pothole Repair (Internal)", "road_damage"),  # the label that missed although Pothole is a synonym
    ("Illegal Dumping Pickup", "litter"),
    ("Graffiti Removal - Private", "posters"),
    ("Root/Sewer/Sidewalk Condition", "road_damage"),
    ("小区机动车违停", "parking"),
    ("楼道 堆物 投诉", "clutter"),
    # Words of a synonym scattered, or only our code's word: no suggestion.
    ("Street Light Condition", None),  # not "Street Condition"
    ("Broken Parking Meter", None),  # not disorderly parking
    ("Streetlight out", None),
    ("其他问题", None),  # 其他 names no problem
])
def test_suggestions_match_a_synonyms_words_in_order(label: str, expected: str | None) -> None:
    assert read_categories().suggest(label) == expected


def test_the_longest_synonym_contained_wins() -> None:
    table = read_categories().with_synonyms({"Dumping": "clutter"})
    assert table.suggest("Illegal Dumping Pickup") == "litter"  # "Illegal Dumping" is longer than "Dumping"
    assert table.suggest("Dumping Complaint") == "clutter"
