// The mini program: customer pages (entry, chat) and staff pages (login, inbox, chat, customer).
App({
  onLaunch() {
    // Keep the screen readable on small phones: nothing to set up globally; pages load their own data.
  },
});
