"""`make bench`'s answer figures are counts, so their floors can be held here (no timing): each answer makes
its one write, reads no more than it needs, and publishes once; a repeat calls Partner Central not at all."""

from benchmarks.answers import TASK_SECONDS, per_answer


def test_each_answer_makes_the_floor_of_partner_central_calls() -> None:
    figures = per_answer()

    slow = figures.pop(f"accept of an opportunity (task of {TASK_SECONDS:g} s)")
    repeat = figures.pop("repeat of a completed answer")
    for label, answer in figures.items():
        assert (answer["partner_central_calls"], answer["writes"], answer["published"]) == (answer["floor"], 1, 1), (
            label
        )
    # A task followed by time: one List per poll (after 1, 3, 6 and 11 s; a slow host sees it done sooner).
    assert (slow["outcome"], slow["writes"], slow["published"]) == ("accepted", 1, 1)
    assert 1 <= slow["task_lists"] <= 4
    assert (repeat["outcome"], repeat["partner_central_calls"], repeat["published"]) == ("already-answered", 0, 0)
