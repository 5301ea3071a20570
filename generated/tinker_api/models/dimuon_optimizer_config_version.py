from typing import Literal

DimuonOptimizerConfigVersion = Literal[1]

DIMUON_OPTIMIZER_CONFIG_VERSION_VALUES: set[DimuonOptimizerConfigVersion] = {
    1,
}


def check_dimuon_optimizer_config_version(value: int) -> DimuonOptimizerConfigVersion:
    if value in DIMUON_OPTIMIZER_CONFIG_VERSION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DIMUON_OPTIMIZER_CONFIG_VERSION_VALUES!r}")
