"""The network's shapes and its cost counters, checked against hand counts."""

from __future__ import annotations

import torch

from digitnet.model import DigitNet, FusedDigitNet, ModelConfig, count_macs, count_parameters


def test_logits_have_one_row_per_image_and_a_column_per_class():
    for reject_class, columns in ((False, 10), (True, 11)):
        config = ModelConfig(stem_channels=4, mid_channels=8, top_channels=8, reject_class=reject_class)
        assert DigitNet(config).eval()(torch.zeros(5, 1, 28, 28)).shape == (5, columns)


def test_parameter_and_mac_counts_match_a_hand_count():
    c1, c2, c3 = 4, 8, 16
    model = DigitNet(ModelConfig(stem_channels=c1, mid_channels=c2, top_channels=c3, reject_class=False))
    convs = 1 * c1 * 25 + c1 * c2 * 9 + c2 * c3 * 9 + c3 * c3 * 9
    batch_norms = 2 * (c1 + c2 + c3 + c3)
    linear = c3 * 9 * 10 + 10
    assert count_parameters(model) == convs + batch_norms + linear
    macs = 28 * 28 * c1 * 25 + 14 * 14 * c1 * c2 * 9 + 7 * 7 * (c2 * c3 + c3 * c3) * 9 + c3 * 9 * 10
    assert count_macs(model) == macs


def test_default_model_is_small_enough_for_a_cpu():
    model = DigitNet()
    assert count_macs(model) < 10_000_000 and count_parameters(model) < 200_000


def test_architecture_table_adds_up_to_the_model():
    from digitnet.model import architecture

    model = DigitNet(ModelConfig(reject_class=False))
    rows = architecture(model)
    assert sum(r["parameters"] for r in rows) == count_parameters(model)
    assert rows[0]["output"] == [24, 28, 28] and rows[-1] == {"layer": "Linear", "output": [10], "parameters": 8650}


def test_fused_model_gives_the_trained_models_logits():
    torch.manual_seed(0)
    model = DigitNet(ModelConfig(stem_channels=4, mid_channels=8, top_channels=8))
    model.train()
    for _ in range(3):  # move the batch-norm statistics away from (0, 1), so that folding them matters
        model(torch.randn(16, 1, 28, 28) * 2 + 1)
    model.eval()
    x = torch.randn(5, 1, 28, 28)
    with torch.no_grad():
        fused = FusedDigitNet(model)
        assert torch.allclose(fused(x), model(x), atol=1e-5)
        assert not torch.allclose(model.features[0][0](x).mean(), model.features[0](x).mean())  # BN did act
    assert len(list(fused.modules())) < len(list(model.modules())) / 2
