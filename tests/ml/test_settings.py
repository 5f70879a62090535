"""The ML settings: defaults, the preload rule, and one-line errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.ml.service import MlConfig


def test_defaults_match_the_issue(tmp_path: Path) -> None:
    config = MlConfig.from_settings(load_settings(models_dir=tmp_path))
    assert (config.intra_op_threads, config.inter_op_threads) == (2, 1)
    assert (config.member_jobs, config.guild_jobs, config.job_timeout) == (2, 6, 30.0)
    assert config.cooldown == 3.0 and config.models_dir == tmp_path


@pytest.mark.parametrize(
    ("overrides", "preload"),
    [
        ({}, False),
        ({"discord_token": "x.y.z"}, True),
        ({"ml_preload": True}, True),
        ({"discord_token": "x.y.z", "ml_preload": False}, False),
    ],
)
def test_models_preload_when_serving_discord_unless_told(
    overrides: dict[str, object], preload: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AICLUB_DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("AICLUB_ML_PRELOAD", raising=False)
    assert load_settings(**overrides).preload_models is preload


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ML_GUILD_JOBS", "0", "greater than or equal to 1"),
        ("ML_INTRA_OP_THREADS", "two", "valid integer"),
        ("ML_JOB_TIMEOUT_S", "-1", "greater than 0"),
    ],
)
def test_bad_values_are_one_clear_line(
    name: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"AICLUB_{name}", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"invalid setting AICLUB_{name}: ")
    assert message in str(caught.value) and "Discord server id" not in str(caught.value)
