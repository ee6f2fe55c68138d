"""The in-process notifier: wake-ups per mailbox, nothing kept once nobody watches."""

from __future__ import annotations

import asyncio
import threading

from sync.relay.notifier import LocalNotifier


def test_a_deposit_committed_before_the_wait_is_not_lost() -> None:
    async def scenario() -> tuple[bool, bool, int]:
        notifier = LocalNotifier()
        with notifier.watch("a") as watch:
            notifier.notify("a")  # between the fetch's read and its wait
            woken = await watch.wait(5)
            again = await watch.wait(0.01)  # the mark was used up
        return woken, again, notifier.mailboxes

    assert asyncio.run(scenario()) == (True, False, 0)


def test_only_the_mailbox_notified_wakes_and_entries_go_with_their_last_watch() -> None:
    async def scenario() -> list[object]:
        notifier = LocalNotifier()
        seen: list[object] = []
        with notifier.watch("a") as a1, notifier.watch("a") as a2, notifier.watch("b") as b:
            seen.append(notifier.mailboxes)
            notifier.notify("a")
            seen += [await a1.wait(5), await a2.wait(5), await b.wait(0.01)]
        seen.append(notifier.mailboxes)
        notifier.notify("a")  # nobody watches: nothing is created for it
        seen.append(notifier.mailboxes)
        return seen

    assert asyncio.run(scenario()) == [2, True, True, False, 0, 0]


def test_a_notify_from_a_storage_thread_wakes_the_loop() -> None:
    async def scenario() -> bool:
        notifier = LocalNotifier()
        with notifier.watch("a") as watch:
            thread = threading.Thread(target=notifier.notify, args=("a",))
            thread.start()
            woken = await watch.wait(10)
            thread.join()
        return woken

    assert asyncio.run(scenario()) is True


def test_close_ends_every_wait_and_later_ones_at_once() -> None:
    async def scenario() -> tuple[bool, bool, bool]:
        notifier = LocalNotifier()
        with notifier.watch("a") as watch:
            waiting = asyncio.ensure_future(watch.wait(30))
            await asyncio.sleep(0)
            notifier.close()
            ended = await waiting
            with notifier.watch("b") as later:
                at_once = await later.wait(30)
        return ended, at_once, notifier.closed

    assert asyncio.run(scenario()) == (False, False, True)
