"""What a Chinese patrol ledger looks like: headers, raw labels, departments, sources (shared by the generators)."""

from __future__ import annotations

from typing import Final

#: Ledger headers as a patrol app exports them (Chinese, in this order).
LEDGER_HEADERS: Final = (
    "问题编号", "问题类型", "上报时间", "经度", "纬度", "地址", "问题描述", "处置状态", "处置方式",
    "责任部门", "问题来源", "所属社区", "所属网格", "截止时间", "办结时间", "上报人",
)

# Share of background issues per category (sums to 1), as seen in 创文 patrol ledgers.
MIX: Final = {
    "parking": 0.25, "litter": 0.22, "street_vending": 0.11, "clutter": 0.10, "posters": 0.10,
    "illegal_structure": 0.07, "flying_cables": 0.05, "road_damage": 0.04, "bare_soil": 0.02,
    "other": 0.04,
}
RAW_LABELS: Final = {
    "parking": ("机动车乱停放", "非机动车乱停放", "共享单车乱停放", "乱停乱放"),
    "litter": ("暴露垃圾", "卫生死角", "道路不洁", "垃圾满溢"),
    "street_vending": ("占道经营", "出店经营", "流动摊贩"),
    "clutter": ("乱堆乱放", "楼道堆物"),
    "posters": ("牛皮癣", "非法小广告"),
    "illegal_structure": ("私搭乱建", "违章搭建"),
    "flying_cables": ("飞线充电", "私拉电线"),
    "road_damage": ("路面破损", "井盖破损"),
    "bare_soil": ("黄土裸露",),
    "other": ("其他",),
}
DETAILS: Final = {
    "parking": ("机动车占用人行道停放", "非机动车堆放堵塞通道", "共享单车成堆摆放", "车辆占用消防通道"),
    "litter": ("路边堆有生活垃圾", "绿化带内有垃圾", "垃圾桶满溢未清运", "墙角卫生死角"),
    "street_vending": ("流动摊贩占道卖菜", "商户出店经营", "夜市摊点占用人行道"),
    "clutter": ("楼道内堆放杂物", "门前乱堆建材", "废旧家具堆放"),
    "posters": ("电线杆上张贴小广告", "墙面喷涂办证广告", "单元门口小广告"),
    "illegal_structure": ("屋顶加建彩钢棚", "院内违规搭建", "沿街私搭雨棚"),
    "flying_cables": ("楼上飞线给电动车充电", "私拉电线充电"),
    "road_damage": ("人行道地砖破损", "井盖缺失", "路面坑洼"),
    "bare_soil": ("绿地黄土裸露", "施工后裸土未覆盖"),
    "other": ("路灯不亮", "树枝遮挡标志"),
}
STATUS_RAW: Final = {
    "open": "待处置", "assigned": "处置中", "rectified": "待核查", "closed": "已办结", "void": "已作废",
}
HANDLING_RAW: Final = {"on_site": "立行立改", "referred": "派遣处置"}
SOURCE_RAW: Final = {
    "patrol": "网格巡查", "supervision": "督导检查", "hotline": "12345热线", "public": "群众举报",
    "video": "视频巡查",
}
SOURCE_P: Final = {"patrol": 0.60, "supervision": 0.12, "hotline": 0.15, "public": 0.08, "video": 0.05}
ON_SITE_P: Final = {
    "parking": 0.45, "litter": 0.80, "street_vending": 0.40, "clutter": 0.70, "posters": 0.85,
    "illegal_structure": 0.05, "flying_cables": 0.70, "road_damage": 0.05, "bare_soil": 0.10,
    "other": 0.50,
}
DEPARTMENT: Final = {
    "parking": ("交警大队", "城管执法中队"), "litter": ("环卫所",), "street_vending": ("城管执法中队", "市场监管所"),
    "clutter": ("物业公司", "社区居委会"), "posters": ("环卫所",), "illegal_structure": ("城管执法中队",),
    "flying_cables": ("物业公司", "消防救援站"), "road_damage": ("市政养护所",), "bare_soil": ("园林绿化所",),
    "other": ("街道综合执法队",),
}
ROADS: Final = (
    "青石路", "荷花路", "望江西路", "新华街", "杏林路", "南湖路", "潜山路", "黄山路", "科学大道",
    "长江西路", "合作化路", "翡翠路", "玉兰巷", "竹林巷", "梅园路", "石门巷",
)
SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN: Final = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "霞", "平", "刚")
