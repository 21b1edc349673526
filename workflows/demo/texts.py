"""Words for the demo data: places in 杭州 and 宁波, fictional enterprises, and complaints of every pollution
type as petitioners write them, with the findings and replies a bureau would give. Data only."""
from __future__ import annotations

from typing import NamedTuple


class County(NamedTuple):
    code: str
    name: str
    city: str
    towns: tuple[tuple[str, str], ...]       # (3-digit township code, name)
    roads: tuple[str, ...]
    communities: tuple[str, ...]


COUNTIES: dict[str, County] = {
    "330106": County("330106", "西湖区", "杭州市",
                     (("001", "北山街道"), ("002", "西溪街道"), ("004", "翠苑街道"), ("005", "文新街道"),
                      ("006", "古荡街道"), ("009", "转塘街道"), ("010", "留下街道"), ("012", "三墩镇"),
                      ("013", "双浦镇")),
                     ("文三路", "文二西路", "古墩路", "天目山路", "西溪路", "留和路", "紫金港路", "申花路", "之江路",
                      "转塘科技经济区块路", "墩余路", "灵溪北路"),
                     ("翠苑一区", "文鼎苑", "嘉绿苑", "西溪诚园", "留下花苑", "三墩颐景园", "之江九里", "金色西溪",
                      "府苑新村", "丰潭公寓")),
    "330110": County("330110", "余杭区", "杭州市",
                     (("001", "余杭街道"), ("004", "五常街道"), ("005", "仓前街道"), ("006", "闲林街道"),
                      ("008", "中泰街道"), ("011", "良渚街道"), ("101", "瓶窑镇"), ("103", "径山镇"),
                      ("104", "黄湖镇")),
                     ("文一西路", "良睦路", "余杭塘路", "东西大道", "高教路", "荆长大道", "莫干山路", "104国道",
                      "闲富北路", "海曙路"),
                     ("五常新苑", "仓前和家园", "良渚玉鸟流苏", "闲林山水", "未来科技城海创园公寓", "瓶窑凤都家园",
                      "径山村", "中泰紫荆花园", "金麒麟小区", "溪塘社区")),
    "330203": County("330203", "海曙区", "宁波市",
                     (("001", "南门街道"), ("002", "西门街道"), ("005", "望春街道"), ("006", "石碶街道"),
                      ("007", "白云街道"), ("101", "集士港镇"), ("102", "古林镇"), ("103", "高桥镇"),
                      ("104", "横街镇")),
                     ("中山西路", "望春路", "环城西路", "机场路", "鄞县大道", "布政路", "集士港路", "高桥南路",
                      "石碶北路", "古林大道"),
                     ("望春花园", "白云庄社区", "集士港新村", "高桥家园", "石碶新城", "南门三市新村", "丽园北路小区",
                      "古林镇区", "横街村", "翠柏里")),
    "330212": County("330212", "鄞州区", "宁波市",
                     (("001", "钟公庙街道"), ("002", "下应街道"), ("003", "首南街道"), ("005", "潘火街道"),
                      ("101", "姜山镇"), ("102", "五乡镇"), ("103", "邱隘镇"), ("104", "东吴镇"),
                      ("105", "瞻岐镇")),
                     ("天童南路", "四明中路", "鄞县大道", "宁南南路", "金达路", "泰康中路", "前河南路", "姜山大道",
                      "五乡大道", "东吴大道"),
                     ("钟公庙四季花城", "下应湾头新村", "首南明都", "潘火东方明珠", "姜山景江苑", "五乡明月小区",
                      "邱隘回龙村", "东吴镇区", "瞻岐滨海村", "鄞州新城金域华府")),
}


# Counties of each city, for joint handling with a neighbour.
CITY_COUNTIES = {"330100": ("330106", "330110"), "330200": ("330203", "330212")}


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"


GIVEN_NAMES = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
               "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "国平", "海燕", "晓东", "志强", "红梅", "建国", "丽华",
               "文斌", "雪芳", "佳怡", "浩然", "子涵", "宇轩", "一鸣", "雨桐", "永康", "春燕", "国庆", "金花", "慧敏")


PHONE_PREFIXES = ("130", "133", "135", "137", "138", "139", "150", "151", "152", "158", "159", "173", "177", "180",
                  "181", "186", "187", "188", "189", "199")


# Brand-like syllables for fictional enterprises (any likeness to a real firm is chance).
BRANDS = ("恒泰", "鑫源", "华盛", "顺发", "宏达", "金鼎", "永兴", "天成", "瑞丰", "万利", "新瑞", "正阳", "东升",
          "盛达", "嘉禾", "立信", "双龙", "明辉", "宝隆", "润泽", "中盛", "海纳", "锦程", "博远", "益丰", "联众",
          "誉丰", "百川", "久安", "汇通")


# Reported parties by kind; {city} {county} {town} {road} {brand} are filled in.
PARTY_KINDS: dict[str, tuple[str, ...]] = {
    "restaurant": ("{brand}餐饮管理有限公司{road}店", "{road}{brand}烧烤店", "{brand}酒楼"),
    "spray": ("{city}{brand}汽车维修有限公司", "{city}{brand}家具制造有限公司"),
    "chemical": ("浙江{brand}化工有限公司", "{city}{brand}新材料科技有限公司"),
    "rubber": ("{city}{brand}橡塑制品有限公司",),
    "asphalt": ("{city}{brand}沥青混凝土有限公司",),
    "dyeing": ("{city}{brand}印染有限公司", "{brand}纺织印染厂"),
    "plating": ("{city}{brand}电镀有限公司", "{brand}五金表面处理厂"),
    "food": ("{city}{brand}食品有限公司", "{brand}豆制品加工厂"),
    "farm": ("{town}{brand}生猪养殖场", "{town}{brand}家庭农场"),
    "car_wash": ("{brand}洗车行",),
    "construction": ("{brand}建工集团有限公司{road}项目部", "{city}{brand}建设有限公司（{road}地块工地）"),
    "entertainment": ("{brand}KTV", "{brand}音乐酒吧"),
    "logistics": ("{city}{brand}物流有限公司",),
    "machining": ("{city}{brand}机械制造有限公司", "{brand}钢结构厂"),
    "stone": ("{brand}石材加工厂",),
    "recycling": ("{brand}再生资源回收站", "{city}{brand}废旧物资回收有限公司"),
    "dumping": ("不明倾倒者（{road}旁空地）",),
    "transfer": ("{city}{brand}环境服务有限公司（{town}垃圾中转站）",),
    "old_site": ("原{city}{brand}农药厂地块",),
    "quarry": ("{town}{brand}石料厂", "{brand}砂石场"),
    "resort": ("{brand}农家乐", "{brand}山庄"),
    "base_station": ("{city}{brand}通信技术有限公司（{road}基站）",),
    "hospital": ("{city}{brand}医院", "{brand}口腔门诊部"),
    "substation": ("{city}{brand}电力工程有限公司（{road}变电站）",),
    "billboard": ("{brand}广告传媒有限公司（LED大屏）",),
    "square": ("{community}小区物业（{brand}物业服务有限公司）",),
}


class Matter(NamedTuple):
    """One kind of complaint: what the petitioner writes, and what the bureau finds and replies."""

    types: tuple[str, ...]
    kind: str
    petition_class: str
    category: str
    facts: str
    demands: str
    findings: str
    violation: bool
    actions: tuple[str, ...]
    opinion: str
    reply: str


MATTERS: tuple[Matter, ...] = (
    Matter(("air",), "spray", "report", "pollution_complaint",
           "{party}位于{town}{road}，长期在露天场地喷漆，没有废气收集处理设施，刺鼻的油漆味飘进{community}，"
           "晚上{hour}点以后尤其严重，家里老人孩子头晕恶心。",
           "请依法查处露天喷漆，责令安装废气处理设施，整改前停止喷漆作业。",
           "现场检查发现该单位喷漆房废气收集设施未运行，部分喷漆作业在露天进行，已拍照取证并制作现场检查笔录。",
           True, ("order_correction", "penalty_case"), "support",
           "经查，你反映的露天喷漆问题属实。我局已责令该单位立即停止露天喷漆、限期完成废气治理设施整改，并依法立案查处。"),
    Matter(("air",), "chemical", "report", "pollution_complaint",
           "{party}最近一个多月几乎每天夜里排放刺激性气体，气味像烂白菜又像化学溶剂，{community}的住户半夜被熏醒，"
           "有人出现咽喉疼痛。怀疑其废气处理装置夜间停运偷排。",
           "要求对该企业夜间排放开展监督性监测，查处偷排行为，公开监测结果。",
           "夜间突击检查时该企业RTO焚烧装置处于停运状态，生产线仍在运行；厂界臭气浓度监测超标。",
           True, ("penalty_case", "limit_or_stop_production"), "support",
           "经夜间突击检查和监测，该企业存在废气治理设施不正常运行、臭气浓度超标排放的违法行为。我局已责令其限产整改并立案处罚，"
           "监测结果将在我局网站公开。"),
    Matter(("air", "noise"), "restaurant", "report", "pollution_complaint",
           "{party}后厨油烟直排，排风口正对{community}住宅楼，油烟味大，窗户上都是油污；风机夜里{hour}点后还在运转，噪声很大。",
           "要求安装油烟净化设施并正常使用，排风口移位，夜间停开风机。",
           "现场检查发现该店油烟净化器未开启、排风口距住宅不足5米，风机运行时厂界噪声夜间超标。",
           True, ("order_correction",), "support",
           "经查，该店油烟净化设施未正常使用、风机夜间噪声超标，我局已责令其限期清洗并正常使用净化设施、调整排风口朝向，"
           "夜间22时后停止风机运行。"),
    Matter(("air",), "asphalt", "report", "pollution_complaint",
           "{party}搅拌站生产时冒黑烟，沥青烟气味浓，风向一变{community}就全是焦油味，晾在外面的衣服都有味道。",
           "请查处沥青烟无组织排放，核查其环评手续和排放许可。",
           "检查时该站沥青烟收集罩破损，无组织排放明显；排污许可证在有效期内。",
           True, ("order_correction", "penalty_case"), "support",
           "经查，该搅拌站沥青烟收集设施破损导致无组织排放，我局已责令停产整改，整改完成并经监测达标后方可恢复生产，并依法处罚。"),
    Matter(("air",), "construction", "report", "pollution_complaint",
           "{party}土方开挖没有覆盖，渣土车不冲洗就上路，{road}上尘土飞扬，雾炮也不开，{community}阳台一天就积一层灰。",
           "要求落实扬尘防治措施：裸土覆盖、车辆冲洗、洒水降尘。",
           "现场裸土未覆盖面积约两千平方米，车辆冲洗设施未使用，已会同住建部门督促整改。",
           True, ("order_correction",), "support",
           "经查，该工地扬尘防治措施落实不到位，我局已会同住建部门责令其立即覆盖裸土、规范车辆冲洗，并纳入日常巡查。"),
    Matter(("air",), "rubber", "report", "pollution_complaint",
           "{party}生产时散发很重的橡胶焦糊味，白天晚上都有，{community}的居民闻到后胸闷。",
           "要求查明异味来源并限期治理，治理前限产。",
           "现场检查该企业密炼车间废气收集效率低，活性炭长期未更换，厂界非甲烷总烃监测达标但臭气浓度超标。",
           True, ("order_correction", "penalty_case"), "support",
           "经查，该企业废气治理设施维护不到位导致异味扰民。我局已责令其更换活性炭、提升收集效率，并就臭气浓度超标依法立案。"),
    Matter(("water",), "dyeing", "report", "pollution_complaint",
           "{party}旁边的河道这段时间颜色发红发黑，晚上排口流量特别大，{community}附近河段死了很多鱼，怀疑偷排印染废水。",
           "请查处偷排废水，对河道水质取样检测，追究企业责任。",
           "对排口及上下游取样，排口化学需氧量、色度超标；该企业废水处理站加药系统停运。",
           True, ("penalty_case", "limit_or_stop_production"), "support",
           "经查，该企业废水处理设施不正常运行，超标排放废水。我局已依法责令其停产整治、立案处罚，并对受影响河段开展跟踪监测。"),
    Matter(("water",), "plating", "report", "pollution_complaint",
           "{party}在厂区后面的雨水管偷排电镀废水，雨水井里的水是绿色的，流进{town}的农田水渠。",
           "要求立即制止偷排，检测重金属，涉嫌犯罪的移送公安。",
           "雨水排口采样检出总铬、总镍超标数倍，企业通过暗管将电镀废水接入雨水管。",
           True, ("seal_or_seize", "penalty_case", "police_referral"), "support",
           "经查，该企业通过暗管排放含重金属电镀废水，我局已查封相关设施，依法立案处罚，并将涉嫌污染环境犯罪线索移送公安机关。"),
    Matter(("water",), "food", "report", "pollution_complaint",
           "{party}的生产废水未经处理直接排入{road}边的河里，河水发白发臭，夏天臭味更重。",
           "要求企业建设废水处理设施，达标后排放。",
           "该企业废水预处理设施能力不足，部分废水经雨水管排放，纳管手续不全。",
           True, ("order_correction", "penalty_case"), "support",
           "经查，该企业部分生产废水未经处理排放。我局已责令其完善纳管手续、扩建预处理设施，并依法处罚。"),
    Matter(("water", "air"), "farm", "report", "pollution_complaint",
           "{party}粪污直接排进旁边的池塘和沟渠，臭味很大，周边几个自然村的井水也有异味。",
           "要求养殖场建设粪污处理设施，清理被污染的池塘。",
           "现场检查发现养殖场沼液池满溢，部分粪污经明沟排入池塘；存栏量超出备案规模。",
           True, ("order_correction", "penalty_case"), "support",
           "经查，该养殖场粪污处理设施能力不足导致溢流。我局已责令其限期调减存栏、扩建沼液池并清理池塘，同时依法立案。"),
    Matter(("water",), "car_wash", "suggestion", "policy_suggestion",
           "{road}一带洗车店越来越多，洗车废水直接排到路边雨水井，建议加强管理。",
           "建议对洗车行业统一规范废水排放，设置沉淀隔油设施。",
           "对该路段洗车店开展排查，多数未建沉淀隔油池，废水经雨水管排放。",
           False, ("order_correction",), "support",
           "感谢你的建议。我局已会同街道对该路段洗车店开展专项整治，督促设置沉淀隔油设施并接入污水管网。"),
    Matter(("noise",), "construction", "report", "pollution_complaint",
           "{party}每天晚上{hour}点以后还在打桩、浇筑混凝土，没有看到夜间施工许可公示，{community}的居民根本没法睡觉。",
           "要求停止违规夜间施工，公示夜间施工许可。",
           "夜间检查时该工地正在进行混凝土浇筑，未取得夜间施工证明；厂界噪声夜间超标。",
           True, ("penalty_case",), "support",
           "经查，该工地未取得夜间施工证明擅自夜间施工，我局已依法立案处罚并责令其夜间停止产生噪声的施工作业。"),
    Matter(("noise",), "entertainment", "report", "pollution_complaint",
           "{party}营业到凌晨两三点，低音炮震得楼板都在抖，{community}多次打电话都没用。",
           "要求其做好隔音，夜间控制音量。",
           "现场监测该场所夜间室内噪声超过社会生活噪声排放标准，隔声措施不到位。",
           True, ("order_correction",), "support",
           "经查，该场所夜间噪声超标。我局已责令其限期完成隔声减振改造，整改期间夜间22时后降低音量，并将持续跟踪。"),
    Matter(("noise",), "machining", "report", "pollution_complaint",
           "{party}冲床、切割机从早响到晚，周末也不停，离{community}只有几十米。",
           "要求企业采取降噪措施，夜间和周末停止高噪声作业。",
           "昼间厂界噪声达标，夜间监测超标1.5分贝；冲压车间门窗未关闭。",
           True, ("order_correction",), "support",
           "经监测，该企业夜间厂界噪声超标。我局已责令其关闭车间门窗、加装减振基座，夜间停止冲压作业，并复测确认。"),
    Matter(("noise",), "logistics", "report", "pollution_complaint",
           "{party}的货车半夜进出装卸，倒车提示音和叉车声音很吵，{community}靠近仓库一侧的住户严重影响休息。",
           "要求调整装卸时间，夜间不要作业。",
           "经夜间监测，仓库厂界噪声超标，主要来自夜间装卸作业。",
           True, ("order_correction",), "explain",
           "经查，夜间装卸作业噪声超标。我局已责令该公司夜间22时至次日6时停止装卸作业，因物流企业属地监管涉及交通部门，已同时抄告。"),
    Matter(("noise",), "square", "suggestion", "policy_suggestion",
           "{community}中心广场每天晚上广场舞音响音量很大，建议规定时段和音量。",
           "建议安装噪声监测显示屏，规定广场舞音响音量和结束时间。",
           "经了解，广场舞噪声属社会生活噪声，已与街道、社区沟通音量和时段管理。",
           False, (), "explain",
           "社会生活噪声由公安机关和街道按职责管理。我局已将你的建议转告街道和社区，社区已与广场舞团队约定音量和结束时间。"),
    Matter(("solid_waste",), "dumping", "report", "pollution_complaint",
           "{party}最近有人晚上开车来倾倒建筑垃圾和不明桶装废物，桶上有化学品标签，已经堆了几十吨。",
           "要求查清倾倒者，清运垃圾，对桶装废物进行鉴别。",
           "现场发现建筑垃圾约30吨、废油漆桶12只；已调取周边监控，锁定运输车辆。",
           True, ("police_referral",), "support",
           "经查，你反映的倾倒问题属实。我局已会同街道清运现场废物，对危险废物委托有资质单位处置，相关线索已移送公安机关。"),
    Matter(("solid_waste",), "recycling", "report", "pollution_complaint",
           "{party}露天堆放废旧电瓶和废机油，地面全是黑油，下雨就流进旁边的水沟。",
           "要求查处非法收集危险废物，清理污染场地。",
           "现场发现废铅蓄电池约2吨、废矿物油若干，该站无危险废物经营许可证。",
           True, ("seal_or_seize", "penalty_case"), "support",
           "经查，该回收站无证收集贮存危险废物，我局已依法查封扣押并立案处罚，相关危险废物已转移至有资质单位。"),
    Matter(("solid_waste", "air"), "transfer", "report", "pollution_complaint",
           "{party}垃圾清运不及时，夏天臭气冲天，渗滤液流到路面，{community}居民出门都要捂鼻子。",
           "要求中转站加强除臭和渗滤液收集，及时清运。",
           "现场检查中转站除臭装置故障，渗滤液收集池满溢。",
           True, ("order_correction",), "support",
           "经查，中转站除臭设施故障、渗滤液收集不及时，我局已督促运营单位修复设施、增加清运频次，并会同城管部门加强监管。"),
    Matter(("solid_waste",), "machining", "report", "pollution_complaint",
           "{party}把废切削液、废油桶混在生活垃圾里扔，怀疑没有按危险废物管理。",
           "要求核查危险废物台账和处置去向。",
           "检查发现该企业危险废物台账不全，部分废切削液未按规定贮存。",
           True, ("order_correction", "penalty_case"), "support",
           "经查，该企业危险废物管理不规范，我局已责令其建立台账、规范贮存并委托有资质单位处置，对违法行为依法处罚。"),
    Matter(("soil",), "old_site", "report", "ecological_damage",
           "{party}要改建住宅，听说以前是农药厂，现在挖开后有很重的农药味，担心土壤污染。",
           "要求开展土壤污染状况调查并公开结果，调查前不得开工。",
           "该地块已列入建设用地土壤污染风险管控和修复名录，初步调查报告显示部分点位超标。",
           True, ("order_correction",), "support",
           "经查，该地块初步调查显示部分点位超标，已列入风险管控和修复名录。修复验收前不得开工建设，我局将公开调查和修复信息。"),
    Matter(("soil", "water"), "plating", "report", "pollution_complaint",
           "{party}厂区地面开裂，下雨后渗水颜色发黄，旁边菜地的菜长得不好，担心土壤被重金属污染。",
           "要求对厂区及周边土壤和地下水进行检测。",
           "对厂区周边农田采样，部分点位镍含量超过风险筛选值，企业防渗措施存在缺陷。",
           True, ("order_correction",), "support",
           "经检测，周边部分农田点位镍含量超过风险筛选值。我局已责令该企业修复防渗设施、开展土壤污染状况调查，并会同农业部门采取安全利用措施。"),
    Matter(("ecology",), "quarry", "report", "ecological_damage",
           "{party}越界开采，山体被挖得光秃秃的，没有做任何复绿，下雨时泥浆冲进下游水库。",
           "要求停止越界开采，落实矿山生态修复。",
           "会同自然资源部门核查，该石料厂存在越界开采行为，矿山生态修复方案未落实。",
           True, ("limit_or_stop_production",), "support",
           "经会同自然资源部门核查，该石料厂存在越界开采和生态修复不到位问题，已责令停止开采并落实修复，相关违法行为由自然资源部门依法查处。"),
    Matter(("ecology", "water"), "resort", "report", "ecological_damage",
           "{party}在水源保护区范围内扩建客房和餐厅，生活污水直接排进溪里。",
           "要求查处在饮用水水源保护区内的违法建设和排污行为。",
           "该农家乐位于饮用水水源二级保护区，新建餐厅未办理环评手续，生活污水未纳管。",
           True, ("order_correction", "penalty_case"), "support",
           "经查，该农家乐在饮用水水源二级保护区内新建排放污染物的项目，我局已依法立案处罚，并责令其拆除排污设施、污水纳管。"),
    Matter(("ecology",), "construction", "suggestion", "policy_suggestion",
           "{road}沿线施工把河岸边的树砍了不少，白鹭都少了，建议施工中保护河岸生态。",
           "建议施工单位落实生态保护措施，完工后恢复河岸植被。",
           "经核查，施工单位已办理林木采伐手续，环评要求的河岸植被恢复尚未实施。",
           False, (), "explain",
           "经核查，该工程林木采伐手续齐全。我局已督促建设单位按环评要求在完工后恢复河岸植被，并将你的建议纳入施工期环境监理。"),
    Matter(("radiation",), "base_station", "grievance", "regulatory_complaint",
           "{party}在{community}楼顶新装了好几个天线，离我家窗户很近，担心辐射影响健康，家里有孕妇。",
           "要求对基站电磁辐射进行检测并公开结果，超标的要拆除。",
           "委托监测机构对基站周边敏感点开展电磁环境监测，各点位功率密度均低于国家标准限值。",
           False, (), "explain",
           "经监测，该基站周边敏感点电磁辐射水平均低于《电磁环境控制限值》，监测报告已向你送达。请放心，我局将继续做好监督。"),
    Matter(("radiation",), "hospital", "report", "regulatory_complaint",
           "{party}新开的放射科门口没有警示标志，检查室的门经常开着，担心射线泄漏。",
           "要求检查其辐射安全许可和防护措施。",
           "该单位持有有效辐射安全许可证，检查时发现警示标志缺失、门灯联锁失效。",
           True, ("order_correction",), "support",
           "经查，该单位辐射安全许可证有效，但存在警示标志缺失、门灯联锁失效问题，我局已责令立即整改，复查确认已整改到位。"),
    Matter(("radiation", "noise"), "substation", "grievance", "regulatory_complaint",
           "{party}离{community}很近，晚上有持续的嗡嗡声，还担心电磁辐射。",
           "要求检测噪声和电磁辐射，采取降噪措施。",
           "监测结果显示电磁环境达标，夜间厂界噪声超标0.8分贝，主要为主变压器低频噪声。",
           True, ("order_correction",), "support",
           "经监测，该变电站电磁环境符合标准，夜间噪声略有超标。我局已责令运营单位加装隔声屏障，完成后复测。"),
    Matter(("other",), "billboard", "report", "other",
           "{party}在{road}路口的LED大屏晚上亮到十二点，强光直射{community}卧室，晚上拉了窗帘也很亮。",
           "要求降低亮度，夜间关闭大屏。",
           "经现场核实，该大屏夜间亮度较高，已与城管部门共同约谈广告公司。",
           False, (), "explain",
           "光污染目前尚无统一排放标准，我局已会同城管部门约谈该公司，其承诺晚上十点后关闭大屏并调低亮度。"),
    Matter(("other", "air"), "food", "grievance", "regulatory_complaint",
           "我去年就反映过{party}异味问题，环保部门说已经整改，但最近又开始了，怀疑整改只是应付检查。",
           "要求对整改情况复查，公开复查结果。",
           "复查发现该企业废气治理设施运行正常，但原料堆场异味明显，已要求其密闭原料堆场。",
           True, ("order_correction",), "explain",
           "经复查，该企业废气治理设施运行正常，异味主要来自原料露天堆放。我局已责令其密闭原料堆场并加强日常巡查。"),
)


# Matters that belong in court, arbitration or administrative reconsideration (诉访分离).
LEGAL_MATTERS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("civil_compensation", ("water",), "{party}排污导致我家鱼塘的鱼大量死亡，损失三万多元。",
     "要求{party}赔偿全部经济损失。"),
    ("contract_dispute", ("other",), "我公司委托{party}做环评报告，付了钱但报告一直没交，还被退回两次。",
     "要求对方退还费用并赔偿损失。"),
    ("labour_dispute", ("other",), "{party}拖欠我们环卫工人三个月工资，还不签劳动合同。",
     "要求环保部门督促支付工资。"),
    ("administrative_decision", ("air",), "我公司被处罚五万元，认为监测数据不准确，处罚过重。",
     "要求撤销对我公司的行政处罚决定。"),
    ("in_litigation", ("noise",), "{party}噪声扰民，我已经向法院起诉，但判决迟迟没有下来。",
     "要求环保部门出面解决并赔偿。"),
)


# Matters outside an environment bureau's remit, forwarded to the body that has it (转送):
# (types, reported party, facts, demands, forwarded to, reason).
FORWARD_MATTERS: tuple[tuple[tuple[str, ...], str, str, str, str, str], ...] = (
    (("noise",), "不明改装摩托车（{road}）", "{road}上晚上经常有改装摩托车飙车，轰鸣声很大，严重影响休息。",
     "请加强夜间道路噪声管理。", "{city}公安局交通警察支队",
     "机动车噪声违法属公安交通管理部门职责 traffic noise is for the traffic police"),
    (("air",), "{town}部分农户", "{town}有农户在田里焚烧秸秆，烟很大，能见度很低。", "请制止露天焚烧秸秆。",
     "{county}农业农村局", "秸秆露天焚烧由农业农村部门和属地政府负责 straw burning is for agriculture"),
    (("noise",), "{community}装修住户", "{community}楼上住户装修天天电钻敲墙，周末也不停。", "请规定装修时间。",
     "{county}综合行政执法局", "室内装修噪声属城市管理部门职责 renovation noise is for city management"),
    (("other",), "{road}绿化带占用者", "{road}边的公园绿化带被人占用种菜，还浇粪水，很臭。", "请恢复绿化。",
     "{county}园林绿化管理部门", "绿地占用属园林绿化部门职责 green space is for the parks department"),
)


# Who the legal-channel matters are about, by content category.
LEGAL_PARTY_KINDS = {"civil_compensation": "dyeing", "contract_dispute": "machining", "labour_dispute": "transfer",
                     "administrative_decision": "rubber", "in_litigation": "entertainment"}


LEGAL_BASIS = {"air": "《中华人民共和国大气污染防治法》", "water": "《中华人民共和国水污染防治法》",
               "noise": "《中华人民共和国噪声污染防治法》", "solid_waste": "《中华人民共和国固体废物污染环境防治法》",
               "soil": "《中华人民共和国土壤污染防治法》", "ecology": "《中华人民共和国环境保护法》",
               "radiation": "《中华人民共和国放射性污染防治法》《电磁环境控制限值》",
               "other": "《中华人民共和国环境保护法》"}


STAFF_NAMES = ("王丽", "陈刚", "刘洋", "张敏", "李强", "赵静", "周磊", "吴芳", "徐涛", "孙艳", "胡军", "朱娟", "高明",
               "林霞", "何勇", "郭平", "马超", "罗娜", "梁杰", "宋雪", "郑伟", "谢红", "韩冰", "唐亮", "冯丹", "曹阳",
               "彭辉", "曾琳", "肖宇", "田甜", "董鹏", "袁媛", "潘越", "蒋帆", "蔡宁", "余波", "杜鹃", "叶青", "程远",
               "魏然", "苏晨", "吕博")


ACCEPTANCE_OPINIONS = ("属于本局职责范围，予以受理。", "符合受理条件，依法受理并告知信访人。",
                       "事实具体、诉求明确，受理。")


REFUSAL_REASONS = ("反映事项已经处理完毕，信访人未提出新的事实和理由。 Handled before; no new facts.",
                   "无具体被举报对象和事实，无法调查。 No identifiable party or facts to investigate.",
                   "同一事项已通过复核终结，不再受理。 The same matter was finally decided on re-review.")


ASSIGNMENT_NOTES = ("请依法核查处理，按期报送办结报告。", "请属地分局调查处理，15日内告知受理情况。",
                    "上级交办件，请从严从快查处。")


SEND_BACK_COMMENTS = ("答复未回应信访人夜间扰民诉求，请补充。", "请补充监测数据和处罚依据。",
                      "答复语气生硬，请修改后重新报批。")


EXTENSION_REASONS = ("需委托第三方开展夜间噪声监测，监测报告尚未出具。", "涉及多个部门，需联合调查取证。",
                     "需等待土壤检测结果。")


JOINT_FINDINGS = ("我局辖区内未发现同类排放问题，已协助调取企业排污许可资料。", "经复核监测数据，确认存在超标排放。",
                  "已协助开展夜间联合执法检查。")


REPORT_RETURN_OPINIONS = ("办结报告未附整改前后照片，退回重办。", "未说明处罚决定和整改时限，请补充后重新报送。")


REPORT_ACCEPT_OPINIONS = ("办结报告内容完整，同意办结。", "处理到位，同意。")


RATING_COMMENTS = {"satisfied": ("处理很及时，谢谢！", "问题解决了，满意。"),
                   "basically_satisfied": ("有改善，希望持续监管。", "基本解决，但晚上偶尔还有。"),
                   "dissatisfied": ("问题没有根本解决。", "答复敷衍，仍然扰民。")}


REVIEW_REASONS = ("处理后问题依旧存在，对答复不服。", "答复没有回应我的主要诉求。", "认为调查不深入，要求复查。")


REREVIEW_REASONS = ("对复查意见不服，申请复核。", "复查没有重新现场检查，申请复核。")


REVIEW_OPINIONS = {"uphold": ("经复查，原处理意见认定事实清楚、处理适当，予以维持。",
                              "原答复依据充分，程序合法，维持原处理意见。"),
                   "remand": ("原处理意见未回应夜间扰民诉求，调查不充分。", "原处理未开展监测即作出结论，事实不清。")}


REMAND_INSTRUCTIONS = ("补充夜间噪声监测后重新答复。", "重新现场检查并出具监测报告后重新答复。")


VISIT_NOTES = {"resolved": ("电话回访，信访人表示问题已解决。", "上门回访，现场已无异味。"),
               "unresolved": ("回访时信访人反映问题反弹，夜间仍有扰民。", "现场复查问题仍然存在。")}


REHANDLING_ORDERS = ("回访发现问题反弹，责令30日内整改到位并书面反馈。", "重新调查处理，挂牌督办。")


SUPERVISION_ORDERS = ("该件已超期，请立即办理并书面反馈。", "超期未办结，请说明原因并限期办结。")


SUPERVISION_NOTES = ("信访人同意延后处理，已记录。", "已电话督促承办单位。")


FEEDBACK_TEXTS = ("已于当日完成现场调查，正在起草答复。", "已查明超期原因系监测报告延迟，已督促加快。")


FEEDBACK_MEASURES = ("建立超期预警台账，专人跟踪。", "每周调度办理进度。")


RESOLUTION_PLANS = ("分管局长包案，两周内完成整改验收。", "成立专班，一个月内化解。")
