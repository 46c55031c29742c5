"""Small-count suppression (trialkit.disclosure): the one formatter every screen and report uses."""
import pytest

from trialkit.disclosure import SMALL_COUNT_THRESHOLD, format_count, is_small


@pytest.mark.parametrize("n, suppressed, plain", [
    (0, "0", "0"),  # zero identifies nobody
    (1, "<5", "1"),
    (2, "<5", "2"),
    (4, "<5", "4"),
    (5, "5", "5"),
    (12, "12", "12"),
    (1234, "1,234", "1,234"),
    (2.5, "<5", "2.5"),
    (12.5, "12.5", "12.5"),
    (None, "not stated", "not stated"),
])
def test_format_count(n, suppressed, plain):
    assert format_count(n, suppress=True) == suppressed
    assert format_count(n) == plain
    assert format_count(n, suppress=False) == plain


def test_threshold_is_five():
    assert SMALL_COUNT_THRESHOLD == 5
    assert [n for n in range(0, 8) if is_small(n)] == [1, 2, 3, 4]
    assert not is_small(None)


def test_format_share_hides_a_share_that_gives_a_small_count_away():
    from trialkit.disclosure import format_share

    assert format_share(0.4, numerator=2) == "40%"
    assert format_share(0.4, numerator=2, suppress=True) is None
    assert format_share(0.25, numerator=10, suppress=True) == "25%"
    assert format_share(0.0, numerator=0, suppress=True) == "0%"  # zero identifies nobody
    assert format_share(0.1234, numerator=12, digits=1) == "12.3%"
    assert format_share(None, numerator=0) is None
    assert format_share(float("nan"), numerator=0) is None


def test_count_type_hides_small_counts_and_refuses_their_shares():
    from trialkit.disclosure import Count, HiddenCountError

    hidden = Count(3, suppress=True)
    assert str(hidden) == "<5" and f"{hidden}" == "<5" and f"{hidden:,}" == "<5" and hidden.hidden
    assert hidden.share(60) is None and Count(30, suppress=True).share(hidden) is None
    assert hidden.rate(0.67) is None
    with pytest.raises(HiddenCountError):
        hidden / 60
    with pytest.raises(HiddenCountError):
        12 / hidden
    shown = Count(3)
    assert str(shown) == "3" and shown.share(60) == "5%" and shown / 60 == 0.05 and shown.rate(0.5) == "50%"
    assert Count(12, suppress=True).share(48) == "25%" and f"{Count(1234):,}" == "1,234"
    assert Count(0, suppress=True).share(10) == "0%"  # zero identifies nobody
    assert Count(5, suppress=True).share(0) is None and Count(None).share(5) is None
