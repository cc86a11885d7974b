#include "notes.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <twelve/process/task_loop.hpp>

#include "migrations.hpp"

// The domain on a real SQLite file (the kit has no in-memory SQL), driven
// from a TaskLoop: the same calls the routes make, without HTTP.
namespace notes {
namespace {

class NullSink final : public twelve::LogSink {
 public:
  void Write(std::string_view) override {}
  void Flush() override {}
};

class NotesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "notes-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto url = twelve::ParseStoreUrl("sqlite://" + (dir_ / "n.db").string());
    ASSERT_TRUE(url.ok());
    twelve::StoreOptions options;
    options.operation_timeout = std::chrono::seconds(10);
    auto db = twelve::sql::Open(*url, options, loop_.loops(), log_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    notes_ = std::make_unique<Notes>(*db_);
    ASSERT_TRUE(Run<twelve::Status>([&](auto done) {
                  db_->Migrate(Migrations("sqlite"), std::move(done));
                }).ok());
  }
  void TearDown() override {
    if (db_) db_->Close();
    std::filesystem::remove_all(dir_);
  }

  // Runs `call` on the loop and waits for what it reports.
  template <typename T>
  T Run(const std::function<void(std::function<void(T)>)>& call) {
    auto answer = std::make_shared<std::optional<T>>();
    twelve::Status waited = loop_.RunUntilDone(
        [&](auto done) {
          call([answer, done](T value) {
            *answer = std::move(value);
            done();
          });
        },
        std::chrono::seconds(30));
    EXPECT_TRUE(waited.ok());
    return answer->has_value() ? std::move(**answer)
                               : T(twelve::Status::Internal("no answer"));
  }
  twelve::Result<Note> Create(std::string text) {
    return Run<twelve::Result<Note>>(
        [&](auto done) { notes_->Create(text, std::move(done)); });
  }

  std::filesystem::path dir_;
  NullSink sink_;
  twelve::Logger log_{sink_, twelve::LogLevel::kError,
                      twelve::LogFormat::kJson};
  twelve::TaskLoop loop_;
  std::unique_ptr<twelve::sql::Client> db_;
  std::unique_ptr<Notes> notes_;
};

TEST(NotesText, CountsCharactersNotBytes) {
  EXPECT_TRUE(Notes::CheckText("x").ok());
  EXPECT_TRUE(Notes::CheckText(std::string(1000, 'x')).ok());
  std::string emoji;
  for (int i = 0; i < 1000; ++i) emoji += "\xF0\x9F\x98\x80";  // 4 bytes each
  EXPECT_TRUE(Notes::CheckText(emoji).ok());
  emoji += "\xC3\xA9";
  twelve::Status status = Notes::CheckText(emoji);
  EXPECT_EQ(status.code(), twelve::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "text: expected a string of 1 to 1000 characters, got 1001");
  EXPECT_FALSE(Notes::CheckText("").ok());
}

TEST(NotesLimit, OneToHundred) {
  EXPECT_TRUE(Notes::CheckLimit(1).ok());
  EXPECT_TRUE(Notes::CheckLimit(100).ok());
  EXPECT_EQ(Notes::CheckLimit(0).message(),
            "limit: expected an integer from 1 to 100");
  EXPECT_FALSE(Notes::CheckLimit(101).ok());
}

TEST_F(NotesTest, CreateGetNewestDelete) {
  twelve::Result<Note> first = Create("first");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  twelve::Result<Note> second = Create("second");
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->id, first->id);

  auto got = Run<twelve::Result<Note>>(
      [&](auto done) { notes_->Get(first->id, std::move(done)); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->text, "first");
  EXPECT_EQ(got->created_at, first->created_at);

  auto newest = Run<twelve::Result<std::vector<Note>>>(
      [&](auto done) { notes_->Newest(1, std::move(done)); });
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].id, second->id);

  auto deleted = Run<twelve::Status>(
      [&](auto done) { notes_->Delete(first->id, std::move(done)); });
  EXPECT_TRUE(deleted.ok());
  auto again = Run<twelve::Status>(
      [&](auto done) { notes_->Delete(first->id, std::move(done)); });
  EXPECT_EQ(again.code(), twelve::StatusCode::kNotFound);
  auto gone = Run<twelve::Result<Note>>(
      [&](auto done) { notes_->Get(first->id, std::move(done)); });
  EXPECT_EQ(gone.status().code(), twelve::StatusCode::kNotFound);
}

TEST_F(NotesTest, RefusesBadTextBeforeTheDatabase) {
  twelve::Result<Note> note = Create("");
  EXPECT_EQ(note.status().code(), twelve::StatusCode::kInvalidArgument);
  auto newest = Run<twelve::Result<std::vector<Note>>>(
      [&](auto done) { notes_->Newest(20, std::move(done)); });
  ASSERT_TRUE(newest.ok());
  EXPECT_TRUE(newest->empty());
}

// A schema not migrated is the operator's to fix: a 500 whose logged cause
// names the task, never the client's 4xx.
TEST_F(NotesTest, AMissingTableSaysToRunTheMigrateTask) {
  ASSERT_TRUE(Run<twelve::Result<twelve::sql::ResultSet>>([&](auto done) {
                db_->Query("DROP TABLE notes", {}, std::move(done));
              }).ok());
  twelve::Result<Note> note = Create("hello");
  ASSERT_FALSE(note.ok());
  EXPECT_EQ(note.status().code(), twelve::StatusCode::kInternal);
  EXPECT_NE(note.status().message().find("`notes migrate`"), std::string::npos)
      << note.status().ToString();
}

}  // namespace
}  // namespace notes
