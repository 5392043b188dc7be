"""Learning: the data, who trains and who is only measured, augmentation, the training loop and its scores."""
