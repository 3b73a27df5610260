from django.contrib import admin

from members.models import Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_id", "gender", "party_status", "branch", "state"]
    list_filter = ["state", "party_status", "gender"]
    search_fields = ["name", "=id_number"]
    raw_id_fields = ["branch"]
    list_select_related = ["branch"]
    show_full_result_count = False
    ordering = ["branch_path", "id"]

    @admin.display(description="身份证号")
    def masked_id(self, obj):
        return obj.masked_id_number
