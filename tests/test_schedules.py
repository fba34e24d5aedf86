"""Learning-rate schedules: values at chosen steps against hand numbers, configs, errors."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import optimizers
from glassnet.optimizers import (
    SGD,
    Adam,
    CosineDecay,
    ExponentialDecay,
    PiecewiseConstantDecay,
    StepDecay,
    schedules,
)


@pytest.mark.parametrize(
    ("schedule", "values"),
    [
        # 0.1 * 0.5 ** (t / 10): t=5 -> 0.1 / sqrt(2)
        (
            ExponentialDecay(0.1, 10, 0.5),
            {0: 0.1, 5: 0.07071067811865475, 10: 0.05, 15: 0.035355339059327376, 30: 0.0125},
        ),
        # staircase: 0.1 * 0.5 ** floor(t / 10)
        (
            ExponentialDecay(0.1, 10, 0.5, staircase=True),
            {0: 0.1, 9: 0.1, 10: 0.05, 19: 0.05, 20: 0.025},
        ),
        # 1.0 * 0.1 ** (t // 3)
        (StepDecay(1.0, step_size=3, gamma=0.1), {0: 1.0, 2: 1.0, 3: 0.1, 5: 0.1, 6: 0.01}),
        # values[0] up to and including boundary 10, values[1] up to 20, then values[2]
        (
            PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
            {0: 1.0, 10: 1.0, 11: 0.5, 20: 0.5, 21: 0.1, 1000: 0.1},
        ),
        # 0.1 + 0.9 * (1 + cos(pi t / 100)) / 2: t=50 -> 0.1 + 0.45; t >= 100 -> 0.1
        (
            CosineDecay(1.0, 100, alpha=0.1),
            {0: 1.0, 50: 0.55, 100: 0.1, 500: 0.1},
        ),
        # t=25: (1 + cos(pi/4)) / 2 = 0.8535533905932737
        (CosineDecay(2.0, 100), {25: 2 * 0.8535533905932737, 75: 2 * 0.14644660940672624}),
        # linear warm-up 0 -> 1 over 10 steps, then the cosine above shifted by 10
        (
            CosineDecay(1.0, 100, alpha=0.1, warmup_steps=10),
            {0: 0.0, 5: 0.5, 10: 1.0, 60: 0.55, 110: 0.1, 1000: 0.1},
        ),
        # Keras's warm-up: 0.2 -> 1.0 over 10 steps, then the cosine from 1.0
        (
            CosineDecay(0.2, 100, alpha=0.1, warmup_steps=10, warmup_target=1.0),
            {0: 0.2, 5: 0.6, 10: 1.0, 60: 0.55},
        ),
        # 0.1 / (1 + 0.5 t / 5): t=10 -> 0.05
        (schedules.InverseTimeDecay(0.1, 5, 0.5), {0: 0.1, 10: 0.05}),
        # (0.1 - 0.0) (1 - t/20)^2 + 0: t=10 -> 0.025; after 20 it stays at the end rate
        (schedules.PolynomialDecay(0.1, 20, end_learning_rate=0.0, power=2.0),
         {0: 0.1, 10: 0.025, 20: 0.0, 40: 0.0}),
    ],
    ids=repr,
)
def test_values_at_chosen_steps(schedule, values):
    got = {step: schedule(step) for step in values}
    np.testing.assert_allclose(list(got.values()), list(values.values()), rtol=1e-12, atol=0)
    assert all(isinstance(v, float) for v in got.values())


ALL = [
    ExponentialDecay(0.1, 10, 0.5, staircase=True),
    StepDecay(0.1, 5, 0.5),
    PiecewiseConstantDecay([3, 7], [0.3, 0.2, 0.1]),
    CosineDecay(0.1, 20, alpha=0.05, warmup_steps=4),
    CosineDecay(0.01, 20, warmup_steps=4, warmup_target=0.1),
    schedules.InverseTimeDecay(0.1, 5, 0.5, staircase=True),
    schedules.PolynomialDecay(0.1, 20, end_learning_rate=0.01, power=0.5, cycle=True),
]


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: type(s).__name__)
def test_config_round_trip(schedule):
    config = schedule.get_config()
    clone = type(schedule).from_config(config)
    assert clone.get_config() == config
    assert [clone(t) for t in range(30)] == [schedule(t) for t in range(30)]
    again = schedules.get(schedules.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == config


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: type(s).__name__)
def test_optimizer_evaluates_the_schedule_at_its_iterations(schedule):
    opt = SGD(learning_rate=schedule)
    p = np.zeros(1)
    for t in range(12):
        assert opt.learning_rate == schedule(t)
        before = p[0]
        opt.step([p], [np.ones(1)])  # SGD moves by lr * 1
        assert before - p[0] == pytest.approx(schedule(t), rel=1e-12, abs=1e-15)


def test_optimizer_config_keeps_the_schedule():
    opt = Adam(learning_rate=CosineDecay(0.01, 100, warmup_steps=10))
    config = optimizers.serialize(opt)
    assert config["config"]["learning_rate"] == {
        "class_name": "CosineDecay",
        "config": {
            "initial_learning_rate": 0.01,
            "decay_steps": 100,
            "alpha": 0.0,
            "warmup_steps": 10,
        },
    }
    clone = optimizers.get(config)
    assert isinstance(clone.schedule, CosineDecay)
    assert clone.schedule.get_config() == opt.schedule.get_config()


def test_a_float_replaces_the_schedule():
    opt = SGD(learning_rate=StepDecay(1.0, 2))
    opt.learning_rate = 0.3  # as LearningRateScheduler / ReduceLROnPlateau callbacks do
    assert opt.schedule is None and opt.learning_rate == 0.3


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: ExponentialDecay(0.1, 0, 0.5),
            ValueError,
            r"`decay_steps` of ExponentialDecay must be a number in \(0, inf\), got 0",
        ),
        (
            lambda: ExponentialDecay(-0.1, 10, 0.5),
            ValueError,
            "`initial_learning_rate` of ExponentialDecay",
        ),
        (lambda: StepDecay(0.1, 2.5), TypeError, "`step_size` of StepDecay must be an integer"),
        (lambda: StepDecay(0.1, 0), ValueError, r"`step_size` of StepDecay .* got 0"),
        (
            lambda: PiecewiseConstantDecay([10, 20], [1.0, 0.5]),
            ValueError,
            r"len\(values\) == len\(boundaries\) \+ 1, got 2 boundaries and 2 values",
        ),
        (
            lambda: PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]),
            ValueError,
            r"`boundaries` of PiecewiseConstantDecay must be strictly increasing, got \[20, 10\]",
        ),
        (
            lambda: CosineDecay(0.1, 100, alpha=2.0),
            ValueError,
            r"`alpha` of CosineDecay .*\[0, 1\]",
        ),
        (lambda: CosineDecay(0.1, 100, warmup_steps=-1), ValueError, "`warmup_steps`"),
    ],
)
def test_invalid_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_get_errors_list_the_valid_names():
    with pytest.raises(ValueError,
                       match="Unknown learning-rate schedule 'SGDRDecay'. Valid: cosine_decay, "):
        schedules.get({"class_name": "SGDRDecay", "config": {}})
    with pytest.raises(ValueError, match="needs a 'class_name' key"):
        schedules.get({"config": {}})
    with pytest.raises(TypeError, match="Could not interpret learning-rate schedule"):
        schedules.get(0.1)
