"""Write tests/data/xls/online_retail_ii_15lines.xls, a legacy Excel (BIFF8) workbook, once.

Run from the repository root with xlwt 1.3.0 installed in some throwaway environment (xlwt is
not a dependency of Kequn; only the reader, xlrd, is):
`python -m venv /tmp/xlwt && /tmp/xlwt/bin/pip install xlwt==1.3.0 &&
/tmp/xlwt/bin/python tests/data/xls/make_xls.py`. The output is byte-for-byte the same on every
run. What it holds is in tests/data/SOURCE.md.
"""

import csv
import datetime as dt
import gzip
from pathlib import Path

import xlwt

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "online_retail_ii_head30k.csv.gz"
OUT = HERE / "online_retail_ii_15lines.xls"


def number(text: str):
    """A cell typed as a spreadsheet holds it: a number when the text is one, else text."""
    try:
        return float(text)
    except ValueError:
        return text


def main() -> None:
    with gzip.open(SOURCE, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[:16]  # the header and the first 15 item lines
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("说明").write(0, 0, "Online Retail II 前 15 行（测试用）")
    ws = book.add_sheet("Year 2009-2010")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    money = xlwt.easyxf(num_format_str="0.00")
    for c, h in enumerate(rows[0]):
        ws.write(0, c, h)
    line = 1
    for i, r in enumerate(rows[1:]):
        if i == 5:
            line += 1  # one empty row, as in exports edited by hand
        inv, code, desc, qty, date, price, cust, country = r
        ws.write(line, 0, number(inv))
        ws.write(line, 1, number(code))
        ws.write(line, 2, desc)
        ws.write(line, 3, number(qty))
        ws.write(line, 4, dt.datetime.strptime(date, "%Y-%m-%d %H:%M:%S"), when)
        ws.write(line, 5, number(price), money)
        ws.write(line, 6, number(cust))  # 13085.0 as the source writes it
        ws.write(line, 7, country)
        line += 1
    cs = book.add_sheet("客户")
    padded = xlwt.easyxf(num_format_str="00000")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for c, h in enumerate(["客户编号", "注册日期", "性别", "VIP"]):
        cs.write(0, c, h)
    for i, (key, signup, gender, vip) in enumerate(
        [(123, dt.date(2009, 3, 5), "女", True), (13085, dt.date(2009, 12, 1), "男", False)]
    ):
        cs.write(i + 1, 0, key, padded)  # shown as 00123: a CRM key with leading zeros
        cs.write(i + 1, 1, dt.datetime.combine(signup, dt.time()), day)
        cs.write(i + 1, 2, gender)
        cs.write(i + 1, 3, vip)
    book.save(str(OUT))


if __name__ == "__main__":
    main()
