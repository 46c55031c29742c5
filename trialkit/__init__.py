"""trialkit: the domain package behind the trialkit dashboard (no Streamlit here)."""
__version__ = "0.1.0"
