import pytest

from archive.orgs import service as orgs

from tests.support.setup import ORG_CSV


def test_import_creates_parents_and_codes(services, org_tree):
    assert set(org_tree) == {"河南省", "安阳市", "文峰区", "莲蓬寺镇", "黎元村", "东关村", "宝莲寺镇", "西岗村"}
    village = org_tree["黎元村"]
    assert village.path == "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"
    assert village.code == "410502100201"
    assert village.depth == 4
    assert village.lineage.startswith(org_tree["莲蓬寺镇"].lineage)
    assert org_tree["宝莲寺镇"].code is None  # created as a parent only


def test_reimport_is_idempotent(services, org_tree):
    with services.db.session() as session:
        result = orgs.import_csv(session, ORG_CSV.encode())
        assert result.created == 0 and not result.errors
        assert len(orgs.list_units(session)) == len(org_tree)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_import_encodings_and_english_headers(services, encoding):
    data = "path,code\n河南省/安阳市/殷都区/水冶镇,410505100000\n".encode(encoding)
    with services.db.session() as session:
        result = orgs.import_csv(session, data)
        assert result.created == 4
        assert orgs.resolve(session, "410505100000").path == "河南省/安阳市/殷都区/水冶镇"
        assert orgs.resolve(session, " 河南省 / 安阳市 /殷都区 ").name == "殷都区"


def test_bad_rows_import_nothing(services):
    data = "路径,区划代码\n河南省/安阳市,4105\n河南省/安阳市/文峰区,41050X\n".encode()
    with services.db.session() as session:
        result = orgs.import_csv(session, data)
        assert result.errors == ["第 3 行：区划代码“41050X”无效：应为 12 位数字"]
        session.rollback()
        assert orgs.list_units(session) == []


def test_missing_path_column(services):
    with services.db.session() as session, pytest.raises(orgs.OrgError) as err:
        orgs.import_csv(session, "名称\n黎元村\n".encode())
    assert err.value.code == "bad_header"


def test_code_conflict_is_reported(services, org_tree):
    data = "路径,区划代码\n河南省/安阳市/文峰区/高庄镇,410502100000\n".encode()
    with services.db.session() as session:
        result = orgs.import_csv(session, data)
        assert result.errors and "已属于" in result.errors[0]


def test_cli_import_and_list(cli, tmp_path):
    csv_file = tmp_path / "units.csv"
    csv_file.write_bytes(ORG_CSV.encode("gb18030"))
    result = cli("org", "import", str(csv_file))
    assert result.exit_code == 0, result.output
    assert "新建 8 个单位" in result.output
    again = cli("org", "import", str(csv_file))
    assert "新建 0 个单位" in again.output
    listing = cli("org", "list")
    assert "410502100201\t河南省/安阳市/文峰区/莲蓬寺镇/黎元村" in listing.output


def test_cli_import_error_exits_nonzero(cli, tmp_path):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("路径,区划代码\n河南省,12345\n")
    result = cli("org", "import", str(csv_file))
    assert result.exit_code == 1
    assert "第 2 行" in result.output


def test_header_with_spaces_and_broken_csv(services):
    with services.db.session() as session:
        result = orgs.import_csv(session, " 路径 , 区划代码 \n河南省/开封市,410200000000\n".encode())
        assert result.created == 2 and orgs.resolve(session, "410200000000").name == "开封市"
    with services.db.session() as session, pytest.raises(orgs.OrgError) as err:
        orgs.import_csv(session, b'path\n"unterminated\n' + b"x" * 200000)
    assert err.value.code in ("bad_csv", "bad_path")
