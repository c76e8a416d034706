// The entry points of postwork-mail.so (see mail/mail_module.hpp).
#include "app/module_loader.hpp"
#include "mail/mail_module.hpp"

namespace postwork::mail {
namespace {

const MailModuleApi kApi{
    .build_message = &gmime::BuildMessage,
    .parse_message = &gmime::ParseMessage,
};

}  // namespace
}  // namespace postwork::mail

extern "C" {
extern const char postwork_mail_abi[];
const char postwork_mail_abi[] = POSTWORK_MODULE_ABI("mail");
const postwork::mail::MailModuleApi* postwork_mail_api() { return &postwork::mail::kApi; }
}
