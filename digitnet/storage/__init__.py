"""Storage: the model's checkpoints and the corrections people send, each written safely."""
