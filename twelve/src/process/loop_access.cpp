#include "twelve/process/loop_access.hpp"

#include <boost/asio/post.hpp>

#include "process/event_loops.hpp"

namespace twelve {

std::size_t LoopCount(const EventLoops& loops) { return loops.size(); }

int CurrentLoop(const EventLoops& loops) { return loops.CurrentIndex(); }

void PostToLoop(EventLoops& loops, std::size_t loop,
                MoveOnlyFunction<void()> work) {
  boost::asio::post(loops.context(loop), std::move(work));
}

void PostToLoopAfterReadyIo(EventLoops& loops, std::size_t loop,
                            MoveOnlyFunction<void()> work) {
  boost::asio::post(loops.context(loop),
                    [&loops, loop, work = std::move(work)]() mutable {
                      loops.TakeInReadyIo(loop);
                      work();
                    });
}

}  // namespace twelve
