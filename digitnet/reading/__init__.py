"""Reading: a picture (canvas, upload, photo) -> its ink -> 28x28 inputs -> the network's answer."""
