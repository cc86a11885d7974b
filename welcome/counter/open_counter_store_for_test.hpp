#pragma once
// What the counter's driver tests share: the store opened as welcome opens
// it, from its URL, with the test failing (not crashing) when it cannot be.

#include <gtest/gtest.h>

#include <memory>
#include <twelve/backing/store_options.hpp>
#include <twelve/backing/store_url.hpp>
#include <twelve/log/logger.hpp>

#include "counter/counter_store.hpp"

namespace welcome {

// Null, with a failed expectation naming why, when `url` cannot be opened.
inline std::unique_ptr<CounterStore> OpenCounterStoreForTest(
    const twelve::StoreUrl& url, const twelve::StoreOptions& options,
    twelve::EventLoops& loops, const twelve::Logger& log) {
  twelve::Result<std::unique_ptr<CounterStore>> store =
      OpenCounterStore(url, options, loops, log);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

}  // namespace welcome
