import pandas as pd

from conftest import SALT
from kequn import privacy
from kequn.intake import run_intake


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
    s = pd.Series(["请拨打13812345678联系我", "mail me: a.b@qq.com", "身份证110101199003071234", "无"])
    out, n = privacy.scrub_text(s)
    assert out.tolist() == ["请拨打[phone]联系我", "mail me: [email]", "身份证[id]", "无"] and n == 3


def test_no_planted_pii_in_any_clean_table(messy_dir, demo, tmp_path):
    run_intake(messy_dir, tmp_path, salt=SALT)
    needles = set(demo.customers["phone"]) | set(demo.customers["email"]) | set(demo.customers["name"])
    needles |= set(demo.customers["customer_id"])  # raw keys are replaced too
    for p in (tmp_path / "clean").glob("*.parquet"):
        df = pd.read_parquet(p)
        for col in df.columns:
            values = set(df[col].dropna().astype(str))
            assert not (values & needles), (p.name, col)


def test_keys_differing_only_in_case_or_space_stay_distinct():
    salt = privacy.load_salt("s")
    out = privacy.pseudonymize(pd.Series(["C1", "c1", "C1 "]), salt)
    assert out.nunique() == 3
