"""Reads over import jobs and export logs. A job is its creator's: anyone else gets 404."""

from __future__ import annotations

from django.http import Http404

from kedang.accounts.models import User

from .models import ImportJob


def get_import_job_for_user(user: User, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, created_by=user).first()
    if job is None:
        raise Http404("导入任务不存在")
    return job


def recent_import_jobs(user: User, limit: int = 20) -> list[ImportJob]:
    return list(ImportJob.objects.filter(created_by=user).order_by("-created_at", "-id")[:limit])
