from django.db import migrations

from cases.codes_seed import ENJO, KEIRO, SOUDAN_SHUBETSU


def create(apps, schema_editor):
    CodeList = apps.get_model("cases", "CodeList")
    Code = apps.get_model("cases", "Code")

    def code_list(key, name):
        return CodeList.objects.get_or_create(key=key, defaults={"name": name})[0]

    shubetsu = code_list("soudan_shubetsu", "相談種別")
    for order, (gcode, gname, national, members) in enumerate(SOUDAN_SHUBETSU):
        group, _ = Code.objects.get_or_create(
            code_list=shubetsu,
            code=gcode,
            defaults={"name": gname, "national_code": national, "order": order * 10},
        )
        for i, (code, name) in enumerate(members):
            Code.objects.get_or_create(
                code_list=shubetsu,
                code=code,
                defaults={
                    "name": name,
                    "group": group,
                    "national_code": f"{national}:{code}",
                    "order": order * 10 + i + 1,
                },
            )
    keiro = code_list("keiro", "相談経路")
    for i, (code, name) in enumerate(KEIRO):
        Code.objects.get_or_create(
            code_list=keiro, code=code, defaults={"name": name, "national_code": code, "order": i}
        )
    enjo = code_list("enjo", "援助")
    for order, (gcode, gname, members) in enumerate(ENJO):
        group, _ = Code.objects.get_or_create(
            code_list=enjo,
            code=gcode,
            defaults={"name": gname, "national_code": gcode, "order": order * 10},
        )
        for i, (code, name) in enumerate(members):
            Code.objects.get_or_create(
                code_list=enjo,
                code=code,
                defaults={
                    "name": name,
                    "group": group,
                    "national_code": code,
                    "order": order * 10 + i + 1,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_search_indexes")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
