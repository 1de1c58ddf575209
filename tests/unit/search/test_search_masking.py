"""Search hits never show a whole ID or mobile number (issue 8, item 4): snippets and titles are
masked, and a search by the full number still finds the document."""
import io

from archive.ingest.pipeline import Incoming
from tests.support.api import bearer

ID = "410502199001011237"
PHONE = "13812345678"


def test_snippets_and_titles_mask_personal_numbers(services, client, org_tree, make_user):
    text = f"黎元村贫困户张三家庭情况核查表\n户主张三，身份证号{ID}，联系电话{PHONE}，家庭人口4人。\n"
    result = services.pipeline.ingest(Incoming(source=io.BytesIO(text.encode()), name=f"张三{ID}.txt",
                                               org=org_tree["黎元村"]))
    assert result.status == "stored", result.error
    _, token = make_user("clerk", "黎元村")
    for query in ("张三", ID):
        found = client.get("/api/v1/search", query_string={"q": query}, headers=bearer(token)).json
        assert found["total"] == 1, (query, found)
        hit = found["hits"][0]
        shown = hit["snippet"] + hit["title_html"]
        assert ID not in shown and PHONE not in shown, shown
        assert "410502********1237" in shown.replace("<mark>", "").replace("</mark>", "")
        assert "138****5678" in shown.replace("<mark>", "").replace("</mark>", "")
