package io.raftlimiter.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ExpiryCursorTest {
  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  @Test
  void encodesAndDecodes() {
    for (ExpiryCursor cursor : new ExpiryCursor[] {
        ExpiryCursor.START, ExpiryCursor.at(77), new ExpiryCursor(9, bytes(1, 2, 3)),
        new ExpiryCursor(9, new byte[0])}) {
      assertEquals(cursor, ExpiryCursor.decode(cursor.encode()));
    }
    assertEquals(ExpiryCursor.START, ExpiryCursor.decode(null));
  }

  @Test
  void readsTheBareSlotThatStoresWroteBeforeTheCursor() {
    assertEquals(ExpiryCursor.at(42),
        ExpiryCursor.decode(ByteBuffer.allocate(Long.BYTES).putLong(42).array()));
    assertThrows(IllegalStateException.class, () -> ExpiryCursor.decode(new byte[3]));
  }
}
