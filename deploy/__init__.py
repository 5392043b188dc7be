"""Running DigitNet for a crowd: N Streamlit replicas behind nginx (see docs/deploy.md)."""
