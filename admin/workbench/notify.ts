// Tells a staff member that a customer wrote: a short tone, and a desktop notification when the
// browser allows it and the tab is not in front.
let audio: AudioContext | null = null;

function beep(): void {
  try {
    audio = audio ?? new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  } catch {
    // No audio device or autoplay refused: the red dot still shows.
  }
}

export const notificationsSupported = () => typeof Notification !== "undefined";

/** Asks for permission (from a click); resolves to whether notifications may be shown. */
export async function enableNotifications(): Promise<boolean> {
  if (!notificationsSupported()) return false;
  return (await Notification.requestPermission()) === "granted";
}

/** `inView`: the conversation is open in a visible tab, where the tone is enough. */
export function notifyCustomerMessage(title: string, body: string, inView: boolean, open: () => void): void {
  beep();
  if (!notificationsSupported() || Notification.permission !== "granted" || (inView && document.visibilityState === "visible")) return;
  const n = new Notification(title, { body, tag: "kefu-customer-message" });
  n.onclick = () => {
    window.focus();
    open();
    n.close();
  };
}
