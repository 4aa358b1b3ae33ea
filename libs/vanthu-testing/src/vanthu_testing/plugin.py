"""pytest plugin (entry point ``pytest11``): fixtures shared by every VanThu suite."""

from vanthu_testing.fake_axis import fake_axis  # noqa: F401
from vanthu_testing.identity import dev_issuer, own_dev_issuer, token_for  # noqa: F401
from vanthu_testing.nats import nats_server  # noqa: F401
from vanthu_testing.postgres import postgres_server, postgres_url  # noqa: F401
from vanthu_testing.s3 import moto_s3, rclone_s3  # noqa: F401
