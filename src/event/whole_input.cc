#include "event/whole_input.h"

#include <cstring>

namespace trailwatch::event {
namespace dom = simdjson::dom;
namespace od = simdjson::ondemand;

std::string_view ParsedRecord::json() const { return texts_->Get(index_, *element_); }

void RecordTexts::Reset(std::string_view data, std::size_t capacity, bool array) {
  data_ = data;
  capacity_ = capacity;
  array_ = array;
  started_ = failed_ = false;
  next_ = 0;
  held_ = ~std::uint64_t{0};
}

bool RecordTexts::Start() {
  started_ = true;
  if (parser_.iterate(data_.data(), data_.size(), capacity_).get(doc_) != simdjson::SUCCESS) {
    return false;
  }
  od::array records;
  if (array_) {
    if (doc_.get_array().get(records) != simdjson::SUCCESS) return false;
  } else {
    od::object top;
    if (doc_.get_object().get(top) != simdjson::SUCCESS) return false;
    bool found = false;
    for (auto field : top) {
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
      // The DOM pass checked that there is exactly one "Records" member and that it is an array.
      if (key == "Records") {
        if (field.value().get_array().get(records) != simdjson::SUCCESS) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  if (records.begin().get(it_) != simdjson::SUCCESS) return false;
  if (records.end().get(end_) != simdjson::SUCCESS) return false;
  return true;
}

bool RecordTexts::Seek(std::uint64_t index, std::string_view* raw) {
  if (index < next_) started_ = false;  // asked out of order: walk again from the start
  if (!started_) {
    next_ = 0;
    if (!Start()) return false;
  }
  for (; it_ != end_; ++it_, ++next_) {
    if (next_ < index) continue;  // ++ skips what was not read
    od::value value;
    od::object obj;
    if ((*it_).get(value) != simdjson::SUCCESS ||
        value.get_object().get(obj) != simdjson::SUCCESS ||
        obj.raw_json().get(*raw) != simdjson::SUCCESS) {
      return false;
    }
    ++it_;
    ++next_;
    return true;
  }
  return false;
}

std::string_view RecordTexts::Get(std::uint64_t index, const dom::element& element) {
  if (held_ == index) return text_.view();
  held_ = index;
  std::string_view raw;
  if (!failed_ && Seek(index, &raw)) {
    text_.Resize(raw.size());
    std::size_t length = 0;
    if (simdjson::minify(raw.data(), raw.size(), text_.data(), length) == simdjson::SUCCESS) {
      text_.Resize(length);
      return text_.view();
    }
  }
  // On-Demand cannot refuse bytes the DOM accepted; should it ever, the record is written out
  // from the DOM instead (the same JSON, numbers and escapes possibly spelled differently)
  // rather than lost.
  failed_ = true;
  const std::string text = simdjson::minify(element);
  text_.Resize(text.size());
  if (!text.empty()) std::memcpy(text_.data(), text.data(), text.size());
  return text_.view();
}

bool WholeInput::Read(std::string_view data, std::size_t capacity, std::size_t max_record_bytes,
                      RecordHandler* handler, ReadResult* result) {
  // A record can be no larger than its input, so no record exceeds max_record_bytes here.
  if (data.size() > kMaxBytes || data.size() > max_record_bytes) return false;
  dom::element root;
  if (parser_.parse(data.data(), data.size(), false).get(root) != simdjson::SUCCESS) return false;
  dom::array records;
  bool array = false;
  if (root.type() == dom::element_type::ARRAY) {
    records = dom::array(root);
    array = true;
  } else if (root.type() == dom::element_type::OBJECT) {
    int found = 0;
    for (dom::key_value_pair field : dom::object(root)) {
      if (field.key != "Records") continue;
      if (field.value.type() != dom::element_type::ARRAY || ++found > 1) return false;
      records = dom::array(field.value);
    }
    if (found != 1) return false;
  } else {
    return false;
  }
  result->format = array ? InputFormat::kJsonArray : InputFormat::kCloudTrail;
  texts_.Reset(data, capacity, array);
  std::uint64_t index = 0;
  for (dom::element element : records) {
    const RecordInfo info{index++, -1, false};
    if (element.type() != dom::element_type::OBJECT) {
      ++result->malformed;
      handler->OnMalformed(info.index, "record is not a JSON object");
      continue;
    }
    ++result->records;
    handler->OnParsedRecord(ParsedRecord(&element, &texts_, info.index), info);
  }
  return true;
}

}  // namespace trailwatch::event
