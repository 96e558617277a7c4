"""kequn.text and kequn.sentiment: script-based language routing (short Chinese is never
Korean), cleaning that keeps emoji, and sentiment floors in and across domains on public sets."""
import pandas as pd
import pytest

from conftest import TEST_DATA
from kequn import sentiment, text

S = TEST_DATA / "sentiment"


def test_language_routing_by_script():
    s = pd.Series(["好", "很好吃", "Great product, fast delivery!", "送货快 and good service 很满意", "맛있어요",
                   "おいしいです", "😀👍", "", None, "OK 好评", "iPhone 屏幕碎了，客服不理人"])
    assert text.language(s).tolist() == ["zh", "zh", "en", "mixed", "other", "other", "other", "empty", "empty",
                                         "zh", "zh"]


def test_cleaning_removes_markup_links_and_boilerplate_but_keeps_emoji():
    s = pd.Series(["<p>物流很快&amp;包装好</p> 详见 https://shop.example.com/x?id=1 😀", "系统默认好评！",
                   "contact me at a.b@example.com   please", "此用户没有填写评价。"])
    cleaned, boiler = text.clean(s)
    assert cleaned.tolist() == ["物流很快&包装好 详见 😀", "", "contact me at please", ""]
    assert boiler.tolist() == [False, True, False, True]


@pytest.fixture(scope="module")
def waimai():
    return pd.read_csv(S / "waimai_2k.csv")


def test_chinese_sentiment_in_domain_floor(waimai):
    r = sentiment.evaluate(waimai["review"], waimai["label"])
    assert r["accuracy_calibrated"] > 0.84 and r["auc"] > 0.90, r


def test_english_sentiment_floor():
    y = pd.read_csv(S / "yelp_labelled.txt", sep="\t", header=None, names=["review", "label"], quoting=3)
    r = sentiment.evaluate(y["review"], y["label"])
    assert r["accuracy_calibrated"] > 0.74 and r["auc"] > 0.82, r


def test_cross_domain_delivery_to_shopping_reviews(waimai):
    m = sentiment.fit(waimai["review"], waimai["label"])
    shop = pd.read_csv(S / "online_shopping_2k.csv")
    r = sentiment.transfer(m, shop["review"], shop["label"])
    assert r["balanced_accuracy"] > 0.72 and r["auc"] > 0.82, r
    assert set(m.label(pd.Series(["太难吃了，再也不点了", "非常好吃，送得也快"]))) == {"negative", "positive"}


def test_one_class_cannot_train():
    with pytest.raises(ValueError, match="both classes"):
        sentiment.fit(pd.Series(["好", "很好"] * 10), [1] * 20)
