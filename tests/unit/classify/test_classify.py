"""Classification: rules on realistic documents, and the model learned from people's decisions."""
import json
import random

import pytest
from sqlalchemy import select

from archive.auth.actor import CLI
from archive.classify import model, rules, service
from archive.demo import corpus
from archive.ingest.pipeline import Incoming
from archive.models import Document

# (unit level, expected class or None for "not a poverty record", expected retention, text)
DOCUMENTS = {
    "county notice on 危房改造": ("county", "0305", "D30", """关于做好2021年农村危房改造工作的通知
文政办〔2021〕18号
各乡镇人民政府、街道办事处，区直有关单位：
为保障农村低收入群体住房安全，巩固脱贫攻坚成果，经区政府同意，现就2021年农村危房改造工作通知如下：
一、改造对象。重点为建档立卡脱贫户、低保户、分散供养特困人员和贫困残疾人家庭的C级、D级危房。
二、工作程序。农户申请、村级评议、乡镇审核，住建部门组织房屋安全鉴定，改造完成后进行竣工验收。
三、补助标准。D级危房拆除重建每户补助2万元，C级危房加固维修每户补助8000元。
请各乡镇于2021年4月30日前将改造对象名单报区住建局。
文峰区人民政府办公室
2021年3月12日"""),
    "township plan on 产业扶贫": ("township", "0301", "D30", """莲蓬寺镇2022年产业扶贫实施方案
为深入推进产业扶贫，带动脱贫户稳定增收，结合我镇实际，制定本方案。
一、目标任务。全年发展食用菌大棚40座、中药材种植1200亩，新建扶贫车间2个，带贫合作社覆盖所有脱贫村。
二、主要措施。对发展种植、养殖的脱贫户给予产业奖补；推行“合作社+基地+农户”模式，签订带贫协议。
三、保障措施。镇成立产业发展工作专班，每月调度一次。
莲蓬寺镇人民政府
2022年2月20日"""),
    "village 民主评议 minutes": ("village", "0202", "Y", """黎元村2019年贫困户识别民主评议会议记录
时间：2019年8月15日上午9时
地点：黎元村村委会会议室
主持人：王建国
参会人员：村“两委”成员、村民代表、驻村工作队员共32人
会议内容：对本年度提出申请的7户农户进行民主评议。工作组介绍了入户调查情况，逐户核实了住房、收入和劳动力情况。
经评议，同意张秀英等4户纳入贫困户，评议结果在村务公开栏公示7天，报镇审核。
表决结果：应到35人，实到32人，同意30票，反对2票，议题通过。
记录人：李红"""),
    "帮扶台账": ("village", "0603", "D30", """东关村2020年结对帮扶干部帮扶台账
填报单位：东关村脱贫攻坚工作队　　填报人：刘伟
序号 户主姓名 家庭人口 帮扶责任人 走访次数 帮扶措施
1 赵国强 4 陈明 12 联系务工岗位
2 孙桂兰 2 陈明 12 申请临时救助
3 周学文 5 王芳 11 落实产业奖补
帮扶责任人每月入户走访不少于一次，填写帮扶手册，包户到人。"""),
    "exit 公示": ("village", "0402", "Y", """黎元村关于2020年拟退出贫困户名单的公示
根据贫困户退出工作有关要求，经村民代表大会民主评议、入户核实、村“两委”审核，现将拟退出贫困户名单予以公示，共5户18人。
退出户家庭人均纯收入均超过当年国家扶贫标准，“两不愁三保障”已全部实现。
公示期为2020年11月2日至11月8日。如有异议，请在公示期内向村委会或镇人民政府反映。
监督电话：0372-3125566
黎元村村民委员会
2020年11月2日"""),
    "防返贫监测 notice": ("county", "0501", "Y", """关于做好2023年防返贫动态监测对象识别纳入工作的通知
各乡镇人民政府：
为守住不发生规模性返贫底线，现就防返贫监测对象识别纳入工作通知如下：
一、监测范围。脱贫不稳定户、边缘易致贫户和突发严重困难户。
二、识别程序。农户自主申报、部门筛查预警、基层干部排查，经入户核实、村级评议、乡镇审核、县级确认后纳入监测。
三、工作要求。对符合条件的农户做到应纳尽纳，纳入监测后及时落实针对性帮扶措施。
文峰区乡村振兴局
2023年4月6日"""),
    "news on a 文艺汇演": ("county", None, None, """我区举办2021年迎新春文艺汇演
1月28日晚，文峰区2021年迎新春文艺汇演在区文化中心剧场举行。汇演由区委宣传部主办、区文化馆承办，共有舞蹈、戏曲、小品等16个节目。
演出现场座无虚席，观众掌声不断。区领导观看了演出并向广大文艺工作者致以新春问候。
文峰区融媒体中心"""),
    "city-planning notice": ("county", None, None, """关于文峰区中心城区控制性详细规划（2021—2035年）批前公示的公告
根据《中华人民共和国城乡规划法》有关规定，现将文峰区中心城区控制性详细规划予以批前公示。
规划范围东至京港澳高速、西至中华路，总面积约36平方公里。公示期30天，公示期间可通过来信、电子邮件提出意见。
安阳市自然资源和规划局文峰分局
2021年6月1日"""),
}

# No poverty word and a weak class hint: rules leave it for a person (measured below).
AMBIGUOUS = """东关村管网延伸情况说明
村里老机井出水量不足，枯水期群众需到邻村拉水。今年新打机井一眼，铺设管道3公里，
入户龙头全部通水，疾控中心抽检合格。冬季做好管道防冻保温，管水员每周巡查。
东关村村民委员会
2022年5月6日"""


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_rules_on_realistic_documents(services, name):
    level, code, retention, text = DOCUMENTS[name]
    scheme = services.standards.schemes["jf-default"]
    decision = rules.classify(scheme, level, text.splitlines()[0], text)
    if code is None:
        assert decision.is_poverty is False and decision.category_code is None
        assert decision.needs_review  # nothing leaves the archive unseen
    else:
        assert (decision.is_poverty, decision.category_code, decision.retention) == (True, code, retention), \
            decision.reasons
        assert not decision.needs_review and decision.confidence >= rules.REVIEW_BELOW


def test_corpus_covers_every_leaf_class_and_is_deterministic(services):
    scheme = services.standards.schemes["jf-default"]
    examples = corpus.build(200, seed=3)
    assert len(examples) == 200 and examples == corpus.build(200, seed=3)
    labels = {e.label for e in examples}
    assert labels == {c.code for c in scheme.leaves()} | {model.NOT_POVERTY}
    for e in examples:
        assert e.label == model.NOT_POVERTY or e.level in scheme.classes[e.label].levels


def _ingest(services, org, items, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    docs = []
    for i, (title, text) in enumerate(items):
        path = tmp_path / f"doc{i}.txt"
        path.write_text(text if text.startswith(title) else f"{title}\n{text}", encoding="utf-8")
        docs.append(Incoming(source=path, name=path.name, org=org))
    results = list(services.pipeline.ingest_many(docs))
    assert {r.status for r in results} == {"stored"}, [r.error for r in results]
    return [r.document for r in results]


def _decide(services, docs, labels):
    with services.db.session() as session:
        for doc, label in zip(docs, labels):
            service.decide(session, services.standards, CLI, doc.id, is_poverty=label != model.NOT_POVERTY,
                           category_code=None if label == model.NOT_POVERTY else label)


def _training_set():
    """People's decisions on 24 documents: water supply, social assistance, and news."""
    rng = random.Random(7)
    wanted = ["0306"] * 9 + ["0308"] * 8 + [model.NOT_POVERTY] * 7
    return [corpus.example(rng, label)._replace(level="village") for label in wanted]


def test_model_learns_from_people_and_decides_where_rules_are_unsure(cli, services, org_tree, tmp_path):
    scheme = services.standards.schemes["jf-default"]
    village = org_tree["东关村"]
    rule = rules.classify(scheme, "village", AMBIGUOUS.splitlines()[0], AMBIGUOUS)
    assert rule.needs_review  # rules alone leave it for a person

    examples = _training_set()
    docs = _ingest(services, village, [(e.title, e.text) for e in examples], tmp_path / "train")
    _decide(services, docs, [e.label for e in examples])

    out = cli("classifier", "train")
    assert out.exit_code == 0, out.output
    assert "jf-default" in out.output and "24 件" in out.output and "交叉验证准确率" in out.output
    for line in ("0306", "0308", model.NOT_POVERTY):
        assert line in out.output
    path = model.model_path(services.settings.data_dir, "jf-default")
    assert path.exists() and not list(path.parent.glob("*.tmp"))
    bundle = model.for_data_dir(services.settings.data_dir).bundle("jf-default")
    assert bundle["counts"] == {"0306": 9, "0308": 8, model.NOT_POVERTY: 7}
    assert bundle["sources"]["person"] == 24 and 0 <= bundle["cv_accuracy"] <= 1 and bundle["trained_at"]

    (doc,) = _ingest(services, village, [(AMBIGUOUS.splitlines()[0], AMBIGUOUS)], tmp_path / "new")
    assert doc.classified_by == "model" and doc.category_code == "0306" and doc.retention == "D30"
    assert doc.needs_review is False and doc.archive_code and doc.confidence >= model.MODEL_THRESHOLD
    with services.db.session() as session:
        stored = session.get(Document, doc.id)
        assert stored.classified_by == "model" and stored.archive_code == doc.archive_code

    # Sure rule decisions stay the rules'.
    (sure,) = _ingest(services, village, [("", DOCUMENTS["exit 公示"][3])], tmp_path / "sure")
    assert sure.classified_by == "rule" and sure.category_code == "0402"


def test_model_is_reloaded_when_its_file_changes(services, tmp_path):
    examples = _training_set()
    classifier = model.for_data_dir(tmp_path)
    assert classifier.predict("jf-default", "x", "y") is None
    est = model.fit([e.title for e in examples], [e.text for e in examples], [e.label for e in examples])
    path = model.model_path(tmp_path, "jf-default")
    model.save({"format": model.FORMAT, "pipeline": est, "counts": {}}, path)
    label, p = classifier.predict("jf-default", AMBIGUOUS.splitlines()[0], AMBIGUOUS)
    assert label == "0306" and 0 < p <= 1
    only_news = [e if e.label == model.NOT_POVERTY else e._replace(label="0308") for e in examples]
    est2 = model.fit([e.title for e in only_news], [e.text for e in only_news], [e.label for e in only_news])
    model.save({"format": model.FORMAT, "pipeline": est2, "counts": {}}, path)
    assert classifier.predict("jf-default", AMBIGUOUS.splitlines()[0], AMBIGUOUS)[0] != "0306"
    path.unlink()
    assert classifier.predict("jf-default", "x", "y") is None


def test_no_model_with_too_little_data_and_ingest_still_works(cli, services, org_tree, tmp_path):
    village = org_tree["东关村"]
    examples = _training_set()[:5]
    docs = _ingest(services, village, [(e.title, e.text) for e in examples], tmp_path / "few")
    _decide(services, docs, [e.label for e in examples])

    out = cli("classifier", "train", "--json")
    assert out.exit_code == 0, out.output
    (result,) = [r for r in json.loads(out.output) if r["scheme"] == "jf-default"]
    assert not result["trained"] and result["documents"] == 5 and "数据不足" in result["reason"]
    assert not model.model_path(services.settings.data_dir, "jf-default").exists()

    (doc,) = _ingest(services, village, [(AMBIGUOUS.splitlines()[0], AMBIGUOUS)], tmp_path / "new")
    assert doc.classified_by == "rule" and doc.needs_review and doc.archive_code is None


def test_training_job_retrains_from_confirmed_documents(services, org_tree, tmp_path):
    from archive import jobs

    examples = _training_set()
    docs = _ingest(services, org_tree["东关村"], [(e.title, e.text) for e in examples], tmp_path / "train")
    _decide(services, docs, [e.label for e in examples])
    jobs.enqueue("train_classifier")  # immediate mode: runs now
    bundle = model.for_data_dir(services.settings.data_dir).bundle("jf-default")
    assert bundle["documents"] == 24 and bundle["sources"]["person"] == 24 and bundle["trained_at"]
    with services.db.session() as session:
        assert session.scalar(select(Document).where(Document.classified_by == "model")) is None
