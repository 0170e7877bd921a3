/// Wakes a waiting task before its time is up. A signal sent while nobody waits is kept, so the next wait returns
/// at once and a wake-up between two waits is never lost.
actor WakeSignal {
    private var pending = false
    private var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
    private var nextWaiterID: UInt64 = 0

    /// Wakes the waiting task, or the next one to wait.
    func signal() {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume()
        } else {
            pending = true
        }
    }

    /// Returns after `duration`, on a signal, or when the task is cancelled, whichever comes first.
    func wait(upTo duration: Duration) async {
        if pending {
            pending = false
            return
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timer = Task { [duration] in
            try? await Task.sleep(for: duration)
            self.resume(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiter = (id, continuation)
            }
        } onCancel: {
            Task { await self.resume(id) }
        }
        timer.cancel()
    }

    /// Ends wait `id` if it is still the one waiting.
    private func resume(_ id: UInt64) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume()
    }
}
