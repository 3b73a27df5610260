"""python manage.py demo — load the demonstration data (idempotent: run it as often as you like)."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from members.idcard import check_character
from members.models import Gender, Member, PartyStatus
from orgs.models import Level, Organisation
from orgs.roles import grant_role
from transfers.demo_data import GIVEN, REGION, SURNAMES, TREE

DEMO_PASSWORD = "Zhuanjie@2026"
SUPERUSER = "sysadmin"


class Command(BaseCommand):
    help = "载入演示数据：党组织机构树、每个党组织一个登录账号、各党支部的党员。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet-table", action="store_true", help="不打印账号表")

    @transaction.atomic
    def handle(self, *args, quiet_table=False, **options):
        self.logins: list[tuple[str, str]] = []
        # One hash for every demo login: hashing is deliberately slow (about 0.3 s each).
        self.password_hash = make_password(DEMO_PASSWORD)
        self.serial = 0
        for index, node in enumerate(TREE, start=1):
            region = REGION[node[0]]
            self._load(node, parent=None, code=f"{region[0][:2]}", region=region, index=index)
        self._superuser()
        package = self._exchange_demo()
        if not quiet_table:
            self._print_table()
            if package is not None:
                self.stdout.write(
                    "业务交换区演示：湖南岳麓街道的党员已办结转出到广西。以 gx 登录，"
                    "【接收】→【跨省（系统）转入】→ 是，"
                    f"身份证号 {package.id_number}，介绍信编号 {package.letter_serial}。"
                )

    def _load(self, node, *, parent, code, region, index):
        username, name, short, level, authority, children = node
        org = Organisation.objects.filter(code=code).first()
        if org is None:
            fields = {
                "name": name,
                "short_name": short,
                "code": code,
                "level": level,
                "authority": authority,
            }
            if level != Level.BRANCH:
                area = "0771" if code.startswith("45") else "0731"
                fields.update(
                    address=f"广西壮族自治区{region[1]}示范路{index}号"
                    if code.startswith("45")
                    else f"湖南省{region[1]}示范路{index}号",
                    phone=f"{area}-{5500000 + len(code) * 1000 + index}",
                    fax=f"{area}-{5600000 + len(code) * 1000 + index}",
                    postcode=region[2],
                )
            org = (
                Organisation.objects.add_child(parent, fields)
                if parent
                else Organisation.objects.add_root(fields)
            )
        self._login(username, org)
        if level == Level.BRANCH:
            self._members(org, region, elderly=username.startswith("ltx"))
        for child_index, child in enumerate(children, start=1):
            self._load(
                child, parent=org, code=f"{code}{child_index:02d}", region=region, index=child_index
            )

    def _login(self, username, org):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": org.short_name or org.name}
        )
        if created:
            user.password = self.password_hash
            user.save(update_fields=["password"])
        grant_role(user, org)
        self.logins.append((username, org.name))

    def _members(self, branch, region, *, elderly):
        rng = random.Random(branch.code)
        for n in range(rng.randint(3, 6)):
            born = (
                dt.date(rng.randint(1940, 1962), rng.randint(1, 12), rng.randint(1, 28))
                if elderly
                else dt.date(rng.randint(1965, 2003), rng.randint(1, 12), rng.randint(1, 28))
            )
            gender = rng.choice([Gender.MALE, Gender.FEMALE])
            sequence = f"{(int(branch.code[-4:]) * 7 + n) % 100:02d}"
            # The 17th digit is odd for men and even for women (GB 11643).
            sex_digit = rng.choice("13579" if gender == Gender.MALE else "02468")
            first17 = f"{region[0]}{born:%Y%m%d}{sequence}{sex_digit}"
            id_number = first17 + check_character(first17)
            joined = dt.date(max(born.year + 19, 1960), rng.randint(1, 12), rng.randint(1, 28))
            probationary = not elderly and joined.year >= 2025
            member = Member(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                gender=gender,
                ethnicity=rng.choice(["汉族", "汉族", "汉族", "壮族", "瑶族", "苗族"]),
                birth_date=born,
                id_number=id_number,
                party_status=PartyStatus.PROBATIONARY if probationary else PartyStatus.FULL,
                joined_on=joined,
                full_member_on=None if probationary else joined.replace(year=joined.year + 1),
                phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
                branch=branch,
                dues_paid_through=dt.date(2026, rng.randint(6, 11), 1),
            )
            # Every random draw happens before this check, so a second run draws the same people.
            if not Member.objects.filter(id_number=id_number).exists():
                member.save()

    def _exchange_demo(self):
        """A 湖南 member concluded out of the system towards 广西, waiting in the exchange zone."""
        from django.conf import settings
        from django.utils import timezone

        from transfers import exchange, services
        from transfers.models import ExchangePackage, Transfer, TransferType

        branch = Organisation.objects.get(
            organisationuserobjectpermission__user__username="yl_jd_zb1"
        )
        member = Member.objects.filter(branch_path=branch.path).order_by("id").first()
        if member is None:
            return None
        existing = Transfer.objects.filter(member=member, out_of_system=True).first()
        if existing is not None:
            return ExchangePackage.objects.filter(source_transfer=existing).first()
        User = get_user_model()

        def actor(username):
            user = User.objects.get(username=username)
            org = Organisation.objects.get(organisationuserobjectpermission__user=user)
            return services.Actor(user=user, org=org)

        [transfer] = services.draft(
            actor=actor("yl_jd"),
            members=[member],
            transfer_type=TransferType.NATIONAL,
            target=None,
            target_name="中共南宁市青秀区新竹街道工作委员会",
            letter=services.LetterInput(
                dues_paid_through=timezone.localdate().replace(day=1), validity_days=30
            ),
        )
        transfer = services.launch(actor=actor("yl_jd"), transfer=transfer, confirmed=True)
        guangxi = Organisation.objects.get(organisationuserobjectpermission__user__username="gx")
        transfer = services.conclude(
            actor=actor("yl"),
            transfer=transfer,
            confirmed=True,
            receiver=exchange.Receiver(settings.EXCHANGE_SYSTEM_ID, guangxi.code, guangxi.name),
        )
        return ExchangePackage.objects.get(source_transfer=transfer)

    def _code_of(self, username):
        return Organisation.objects.get(
            organisationuserobjectpermission__user__username=username
        ).code

    def _superuser(self):
        User = get_user_model()
        # Not "admin": the first name an attacker tries (issue 10).
        admin, created = User.objects.get_or_create(
            username=SUPERUSER, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.password = self.password_hash
            admin.save(update_fields=["password"])
        self.logins.append((SUPERUSER, "系统管理员（/admin/）"))

    def _print_table(self):
        width = max(len(u) for u, _ in self.logins)
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(f"{'用户名'.ljust(width - 1)}党组织")
        for username, org_name in self.logins:
            self.stdout.write(f"{username.ljust(width + 2)}{org_name}")
        self.stdout.write(f"共 {len(self.logins)} 个账号；党员 {Member.objects.count()} 名。")
