"""The demo organisation tree: two provinces, a Nanning county and a university with 29 units.

Each entry: (username, name, short name, level, authority, children). Every organisation gets one
login; members are generated deterministically for every branch.
"""

from orgs.models import Authority, Level

P, CI, CO, G, GB, B = (
    Level.PROVINCE,
    Level.CITY,
    Level.COUNTY,
    Level.GRASSROOTS,
    Level.GENERAL_BRANCH,
    Level.BRANCH,
)
NAT, COUNTY, NONE = Authority.NATIONAL, Authority.COUNTY, Authority.NONE

# The university's 29 secondary units (二级单位): (username, unit name).
UNIVERSITY_UNITS = [
    ("wxy", "文学院"),
    ("xwcb", "新闻与传播学院"),
    ("wgy", "外国语学院"),
    ("sxxy", "数学与信息科学学院"),
    ("wlxy", "物理科学与工程技术学院"),
    ("hgxy", "化学化工学院"),
    ("smxy", "生命科学与技术学院"),
    ("jsj", "计算机与电子信息学院"),
    ("dqxy", "电气工程学院"),
    ("jxxy", "机械工程学院"),
    ("tmxy", "土木建筑工程学院"),
    ("zhxy", "资源环境与材料学院"),
    ("qgxy", "轻工与食品工程学院"),
    ("nxy", "农学院"),
    ("dkxy", "动物科学技术学院"),
    ("lxy", "林学院"),
    ("sxy", "商学院"),
    ("jjxy", "经济学院"),
    ("fxy", "法学院"),
    ("ggxy", "公共管理学院"),
    ("mkszy", "马克思主义学院"),
    ("ysxy", "艺术学院"),
    ("tyxy", "体育学院"),
    ("yxy", "医学院"),
    ("hyxy", "海洋学院"),
    ("gjxy", "国际学院"),
    ("jxjy", "继续教育学院"),
    ("jgdw", "机关"),
    ("ltx", "离退休工作"),
]


def _unit(username: str, unit: str) -> tuple:
    name = f"中共广西某大学{unit}委员会"
    if username == "ltx":
        short = "离退休党委"
        children = [
            ("ltx_zb1", "广西某大学离退休第一党支部", "离退休第一党支部", B, NONE, []),
            ("ltx_zb2", "广西某大学离退休第二党支部", "离退休第二党支部", B, NONE, []),
        ]
    else:
        short = f"{unit}党委"
        children = [
            (f"{username}_zb1", f"广西某大学{unit}教工党支部", f"{unit}教工党支部", B, NONE, []),
            (f"{username}_zb2", f"广西某大学{unit}学生党支部", f"{unit}学生党支部", B, NONE, []),
        ]
    if username == "wxy":
        children.append(
            (
                "wxy_zzb1",
                "广西某大学文学院研究生党总支",
                "文学院研究生党总支",
                GB,
                NONE,
                [
                    (
                        "wxy_zzb1_zb1",
                        "广西某大学文学院研究生第一党支部",
                        "研究生第一党支部",
                        B,
                        NONE,
                        [],
                    ),
                    (
                        "wxy_zzb1_zb2",
                        "广西某大学文学院研究生第二党支部",
                        "研究生第二党支部",
                        B,
                        NONE,
                        [],
                    ),
                ],
            )
        )
    return (username, name, short, G, COUNTY, children)


TREE = [
    (
        "gx",
        "中共广西壮族自治区委员会",
        "广西区党委",
        P,
        NAT,
        [
            (
                "nn",
                "中共南宁市委员会",
                "南宁市委",
                CI,
                NAT,
                [
                    (
                        "qx",
                        "中共南宁市青秀区委员会",
                        "青秀区委",
                        CO,
                        NAT,
                        [
                            (
                                "qx_jd",
                                "中共南宁市青秀区新竹街道工作委员会",
                                "新竹街道党工委",
                                G,
                                COUNTY,
                                [
                                    (
                                        "qx_jd_zb1",
                                        "新竹街道机关第一党支部",
                                        "机关第一党支部",
                                        B,
                                        NONE,
                                        [],
                                    ),
                                    (
                                        "qx_jd_zb2",
                                        "新竹街道津头社区党支部",
                                        "津头社区党支部",
                                        B,
                                        NONE,
                                        [],
                                    ),
                                ],
                            ),
                        ],
                    ),
                ],
            ),
            (
                "gxu",
                "中共广西某大学委员会",
                "广西某大学党委",
                CO,
                NAT,
                [_unit(u, n) for u, n in UNIVERSITY_UNITS],
            ),
        ],
    ),
    (
        "hn",
        "中共湖南省委员会",
        "湖南省委",
        P,
        NAT,
        [
            (
                "cs",
                "中共长沙市委员会",
                "长沙市委",
                CI,
                NAT,
                [
                    (
                        "yl",
                        "中共长沙市岳麓区委员会",
                        "岳麓区委",
                        CO,
                        NAT,
                        [
                            (
                                "yl_jd",
                                "中共长沙市岳麓区岳麓街道工作委员会",
                                "岳麓街道党工委",
                                G,
                                COUNTY,
                                [
                                    (
                                        "yl_jd_zb1",
                                        "岳麓街道机关第一党支部",
                                        "机关第一党支部",
                                        B,
                                        NONE,
                                        [],
                                    ),
                                ],
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
]

# Address codes (行政区划代码) for the generated ID numbers, and the letters' contact block.
REGION = {"gx": ("450103", "南宁市", "530022"), "hn": ("430104", "长沙市", "410006")}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢韦覃蒙莫陆"
GIVEN = [
    "建华",
    "秀英",
    "志强",
    "丽娟",
    "海燕",
    "文斌",
    "晓东",
    "春梅",
    "国庆",
    "红霞",
    "明杰",
    "小平",
    "振宇",
    "雅琴",
    "永福",
    "桂芳",
    "俊峰",
    "思远",
    "佳怡",
    "宇航",
    "子涵",
    "浩然",
    "欣怡",
    "博文",
    "雨桐",
    "立新",
    "少华",
    "金凤",
    "德明",
    "慧敏",
]
