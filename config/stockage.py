"""Where files go (signed conventions, imports waiting for confirmation, generated reports).

Every file goes through Django's storage API (``FileField``, ``default_storage``), so the place is a setting:
- by default, the local disk under MEDIA_ROOT (``make run``; in docker-compose.yml a volume shared by the
  web and worker containers);
- S3-compatible object storage (django-storages) when ``CLAUSES_S3_BUCKET`` is set, for web and workers on
  several machines: files are private, served through short-lived signed URLs, never overwritten.
"""

from config.env import env_bool, env_int, env_str


def stockage_par_defaut() -> dict:
    """The ``default`` entry of STORAGES, from the environment."""
    bucket = env_str("CLAUSES_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "endpoint_url": env_str("CLAUSES_S3_ENDPOINT_URL", "") or None,  # None: AWS itself
        "region_name": env_str("CLAUSES_S3_REGION", "") or None,
        "access_key": env_str("CLAUSES_S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env_str("CLAUSES_S3_SECRET_ACCESS_KEY", "") or None,
        "location": env_str("CLAUSES_S3_PREFIXE", ""),
        "default_acl": "private",
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": env_int("CLAUSES_S3_DUREE_LIENS", 300),
        "addressing_style": "path" if env_bool("CLAUSES_S3_ADRESSAGE_CHEMIN", True) else "virtual",
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
