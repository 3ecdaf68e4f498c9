// Firebase project settings
export const firebaseConfig = {
  apiKey: "AIzamXxhCMqno7RC8GqzMnvGYj1udVeGYgrcmHx",
  authDomain: "acme-shop.firebaseapp.com",
  projectId: "acme-shop",
};
