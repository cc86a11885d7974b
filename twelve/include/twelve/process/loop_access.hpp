#pragma once
// What an app may do with the I/O threads (EventLoops) that ServeContext and
// TaskLoop hand out, beyond opening clients on them: find which loop the
// calling thread runs, and run work later on a loop. Part of the kit's public
// contract; the loops themselves stay private (they hold Asio).
//
// Used by app code that keeps per-loop state, as a coalescing store does:
// state touched only by its loop's thread needs no lock.

#include <cstddef>

#include "twelve/move_only_function.hpp"

namespace twelve {

class EventLoops;

// How many loops there are (WEB_THREADS in the web process; 1 in a task).
std::size_t LoopCount(const EventLoops& loops);

// The index of the loop the calling thread runs, or -1 off the loops. Any
// thread; never blocks.
int CurrentLoop(const EventLoops& loops);

// Runs `work` later on loop `loop` (< LoopCount), after the handlers already
// queued there: from that loop, it runs after the rest of the current turn.
// Any thread.
void PostToLoop(EventLoops& loops, std::size_t loop,
                MoveOnlyFunction<void()> work);

// As PostToLoop, but `work` runs once the loop has taken in the I/O that is
// ready when `work`'s turn comes: the requests already waiting on the web
// process's client sockets are read and their handlers run first. For work
// that gathers what arrives before it goes out, as a group commit does: it
// then carries what the kernel already holds, not only what the loop had
// read. Costs one non-blocking epoll_wait; in a task, the same as PostToLoop.
// Any thread.
void PostToLoopAfterReadyIo(EventLoops& loops, std::size_t loop,
                            MoveOnlyFunction<void()> work);

}  // namespace twelve
