import pandas as pd
import pytest
from conftest import SALT
from kequn.data import privacy
from kequn.data.coerce import STR
from kequn.data.intake import run_intake
from kequn.data.problems import InputError


def test_pseudonyms_are_stable_keyed_and_distinct():
    ids = pd.Series(["C1", "C2", "C1", None])
    a = privacy.pseudonymize(ids, privacy.load_salt("one"))
    b = privacy.pseudonymize(ids, privacy.load_salt("two"))
    assert a.iloc[0] == a.iloc[2] != a.iloc[1] and pd.isna(a.iloc[3])
    assert a.iloc[0] != b.iloc[0]  # another salt, another pseudonym
    assert a.iloc[0].startswith("K") and len(a.iloc[0]) == 17


def test_salt_file_created_once_and_reused(tmp_path):
    f = tmp_path / "s" / ".salt"
    s1 = privacy.load_salt(None, f)
    assert privacy.load_salt(None, f) == s1 and f.stat().st_mode & 0o077 == 0


def test_contact_details_masked_in_free_text():
    s = pd.Series(
        ["请拨打13812345678联系我", "mail me: a.b@qq.com", "身份证110101199003071233", "无"]
    )
    out, n = privacy.scrub_text(s)
    assert (
        out.tolist() == ["请拨打[phone]联系我", "mail me: [email]", "身份证[id]", "无"] and n == 3
    )


def test_no_planted_pii_in_any_clean_table(messy_dir, demo, tmp_path):
    run_intake(messy_dir, tmp_path, salt=SALT)
    needles = (
        set(demo.customers["phone"]) | set(demo.customers["email"]) | set(demo.customers["name"])
    )
    needles |= set(demo.customers["customer_id"])  # raw keys are replaced too
    needles |= set(demo.kano["respondent_id"])  # and so are the survey's respondent ids
    for p in (tmp_path / "clean").glob("*.parquet"):
        df = pd.read_parquet(p)
        for col in df.columns:
            values = set(df[col].dropna().astype(str))
            assert not (values & needles), (p.name, col)


def test_keys_differing_only_in_case_or_space_stay_distinct():
    salt = privacy.load_salt("s")
    out = privacy.pseudonymize(pd.Series(["C1", "c1", "C1 "]), salt)
    assert out.nunique() == 3


def _first_salt(path, barrier, queue):
    barrier.wait()  # all processes create the salt at once
    try:
        queue.put(("ok", privacy.load_salt(None, path)))
    except Exception as e:  # noqa: BLE001 - reported to the test
        queue.put(("error", repr(e)))


def test_concurrent_first_salt_creations_give_one_salt(tmp_path):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    f, n = tmp_path / "d" / ".salt", 200
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_first_salt, args=(f, barrier, queue)) for _ in range(n)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in range(n)]
    for p in procs:
        p.join(timeout=60)
    errors = [r for kind, r in results if kind == "error"]
    assert not errors, errors[:3]
    salts = {r for _, r in results}
    assert len(salts) == 1 and None not in salts
    assert f.read_text().strip() and salts == {privacy.load_salt(None, f)}
    assert sorted(p.name for p in f.parent.iterdir()) == [".salt"]  # no temp files left


def test_empty_salt_text_or_file_is_an_error_not_a_public_salt(tmp_path):
    for text in ("", "   "):
        with pytest.raises(InputError, match="privacy.salt is empty"):
            privacy.load_salt(text)
    f = tmp_path / ".salt"
    f.write_text(" \n")
    with pytest.raises(InputError, match="the salt file is empty"):
        privacy.load_salt(None, f)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("电话１３９１２３４５６７８谢谢", "电话[phone]谢谢"),  # full-width digits
        ("138 1234 5678", "[phone]"),
        ("138-1234-5678", "[phone]"),
        ("+86 138 1234 5678", "[phone]"),
        ("身份证 110101 19900307 1233", "身份证 [id]"),
        ("身份证110101-19900307-1233", "身份证[id]"),
        ("44030419851231002X", "[id]"),
        ("老身份证110101900307123", "老身份证[id]"),  # X; 15 digits
        ("座机010-12345678", "座机[phone]"),
        ("0755-1234567", "[phone]"),
        ("(010)12345678", "[phone]"),
        ("a.b@qq.com", "[email]"),
        ("写信ａ．ｂ＠ｑｑ．ｃｏｍ", "写信[email]"),
        ("QQ: 12345678", "QQ: [qq]"),
        ("qq号 123456 联系", "qq号 [qq] 联系"),
        ("微信: abc_123", "微信: [wechat]"),
        ("wx:abc_12345", "wx:[wechat]"),
        ("加ＶＸ：ｗｘｉｄ１２３", "加ＶＸ：[wechat]"),
    ],
)
def test_detectors_find_personal_data_in_all_its_spellings(text, masked):
    assert privacy.mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "订单 110101199003071234 已发货",  # 18 digits, wrong checksum: an order number, not an ID
        "金额 1234.56",
        "2024-05-01",
        "北京",
        "ＶＩＰ会员１号",
        "买了3件",
        "QQ音乐会员",
        "微信支付",
        "WeChat Official Account",
    ],
)
def test_detectors_leave_ordinary_values_alone(text):
    assert privacy.mask_text(text) == text


def test_examples_of_bad_values_are_masked_loosely():
    assert privacy.mask_examples(["110101199003078888", 12812345678, "9999999", "2062-01-01"]) == [
        "[id]",
        "[number]",
        "9999999",
        "2062-01-01",
    ]
    from kequn.data.problems import Problem

    p = Problem.of(
        "values_set_missing",
        "customers.csv",
        column="income",
        rows=[2],
        values=["110101199003078888"],
        count=1,
        n=1,
        expect_kind="number",
        lo=0,
        hi=1,
    )
    assert "110101199003078888" not in p.render("en") + str(p.to_dict())


def test_categories_are_masked_in_their_categories():
    s = pd.Series(
        ["北京", "13812345678", "北京", "a@b.cn", None, "13812345678"] * 1000, dtype="category"
    )
    out, n = privacy.mask_series(s)
    assert isinstance(out.dtype, pd.CategoricalDtype) and n == 3000
    assert set(out.cat.categories) == {"北京", "[phone]", "[email]"} and out.isna().sum() == 1000
    plain = pd.Series(["北京", "call 138 1234 5678", None, "上海"], dtype=STR)
    out, n = privacy.mask_series(plain)
    assert out.tolist()[1] == "call [phone]" and n == 1
    assert out.iloc[0] == "北京" and pd.isna(out.iloc[2])


PLANTED = {"phone": "13912345678", "email": "li.lei@example.com", "id": "110101199003071233"}


def test_personal_data_in_any_text_column_is_masked_at_intake_and_counted(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "customers.csv").write_text(
        "customer_id,occupation,city,education,income\n"
        f"C1,{PLANTED['phone']},北京,本科,110101199003078888\n"
        f"C2,教师,{PLANTED['email']},硕士,8000\n"
        f"C3,工程师,上海,身份证{PLANTED['id']},9000\n",
        encoding="utf-8",
    )
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount,category,channel\n"
        f"O1,C1,2024-05-01,10,{PLANTED['id']},门店\n"
        f"O2,C2,2024-05-02,20,食品,微信: abc_123\n"
        f"O3,C3,2024-05-03,30,食品,１３９ １２３４ ５６７８\n",
        encoding="utf-8",
    )
    r = run_intake(raw, tmp_path / "out", salt=SALT)
    c, o = r.tables["customers"], r.tables["orders"]
    assert c["occupation"].tolist() == ["[phone]", "教师", "工程师"]
    assert c["city"].tolist()[1] == "[email]"
    assert c["education"].tolist()[2] == "身份证[id]" and o["category"].tolist()[0] == "[id]"
    assert o["channel"].tolist()[1:] == ["微信: [wechat]", "[phone]"]
    rows = {
        (x["table"], x["column"]): x["rows"]
        for x in r.quality["cleaning"]
        if x["rule"] == "contact_details_masked"
    }
    assert rows == {
        ("customers", "occupation"): 1,
        ("customers", "city"): 1,
        ("customers", "education"): 1,
        ("orders", "category"): 1,
        ("orders", "channel"): 2,
    }
    stored = "".join(
        p.read_bytes().decode("utf-8", "replace")
        for p in (tmp_path / "out").rglob("*")
        if p.suffix == ".json"
    ) + "".join(
        pd.read_parquet(p).astype(str).to_csv()
        for p in (tmp_path / "out" / "clean").glob("*.parquet")
    )
    for value in [*PLANTED.values(), "110101199003078888", "abc_123"]:
        assert value not in stored, value


RESPONDENTS = ["13812345678", "C000123", "li.lei@example.com"]  # phone, CRM id, e-mail as ids


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_kano_respondent_ids_are_pseudonymised_without_a_customer_id(tmp_path, layout):
    """A survey with no customer_id column: its respondent ids (often CRM ids or phone
    numbers) are pseudonymised all the same, and appear nowhere in the processed data."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount\nO1,C000123,2024-05-01,10\n", encoding="utf-8"
    )
    if layout == "long":
        kano = "respondent_id,feature,functional,dysfunctional\n" + "".join(
            f"{r},配送,喜欢,不喜欢\n{r},包装,理应如此,不喜欢\n" for r in RESPONDENTS
        )
    else:
        kano = "ID,F1_functional,F1_dysfunctional\n" + "".join(f"{r},1,5\n" for r in RESPONDENTS)
    (raw / "kano.csv").write_text(kano, encoding="utf-8")
    out = tmp_path / "processed" / "run"
    r = run_intake(raw, out, salt=SALT, reid_file=tmp_path / "reid" / "run.parquet")
    k = r.tables["kano"]
    assert "customer_id" not in k
    expected = privacy.pseudonymize(pd.Series(RESPONDENTS), privacy.load_salt(SALT))
    assert set(k["respondent_id"]) == set(expected)
    stored = "".join(
        pd.read_parquet(p).astype(str).to_csv() if p.suffix == ".parquet" else p.read_text()
        for p in out.rglob("*")
        if p.is_file()
    )
    for rid in RESPONDENTS:
        assert rid not in stored, rid
